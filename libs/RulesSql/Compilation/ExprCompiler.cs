using Pipeline.RulesSql.Syntax;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Compilation;

/// <summary>Compiles a checked AST to closures, once per rule version, folding constant parts and
/// refusing what can be seen to be wrong before any message arrives.</summary>
internal sealed partial class ExprCompiler(string text)
{
    // Constant folding evaluates pure nodes only: they never read the scope.
    private static readonly RuleContext FoldingContext = new("", null, 0);

    public CompiledExpr Compile(Expr expr) => expr switch
    {
        LiteralExpr literal => CompiledExpr.Of(literal.Value),
        FieldExpr or MemberExpr when FieldPath(expr) is { } path => CompilePath(path),
        MemberExpr member => CompileMember(member),
        IndexExpr index => CompileIndex(index),
        UnaryExpr unary => CompileUnary(unary),
        BinaryExpr binary => CompileBinary(binary),
        InExpr inExpr => CompileIn(inExpr),
        BetweenExpr between => CompileBetween(between),
        IsExpr isExpr => CompileIs(isExpr),
        CaseExpr caseExpr => CompileCase(caseExpr),
        CallExpr call => CompileCall(call),
        CastExpr cast => CompileCast(cast),
        ObjectExpr obj => CompileObject(obj),
        ArrayExpr array => CompileArray(array),
        _ => throw Error(expr.Offset, $"unsupported expression {expr.GetType().Name}"),
    };

    public RuleSqlException Error(int offset, string reason) => RuleSqlException.At(text, offset, reason);

    /// <summary>Evaluates a node whose inputs are all constant and which reads nothing else.</summary>
    private static CompiledExpr Fold(Evaluator eval)
    {
        var scope = new Scope(SqlObject.Empty, FoldingContext);
        return CompiledExpr.Of(eval(in scope));
    }

    private static CompiledExpr Maybe(Evaluator eval, params CompiledExpr[] inputs) =>
        inputs.All(i => i.IsConstant) ? Fold(eval) : new CompiledExpr(eval, null);

    /// <summary>a.b.c over the message, as one walk, when the chain starts at a field.</summary>
    private static string[]? FieldPath(Expr expr)
    {
        var names = new List<string>();
        while (expr is MemberExpr member)
        {
            names.Add(member.Name);
            expr = member.Target;
        }
        if (expr is not FieldExpr field) return null;
        names.Add(field.Name);
        names.Reverse();
        return [.. names];
    }

    private static CompiledExpr CompilePath(string[] path)
    {
        var first = path[0];
        if (path.Length == 1) return new((in Scope s) => s.Field(first), null);
        return new((in Scope s) =>
        {
            var value = s.Field(first);
            for (var i = 1; i < path.Length; i++)
            {
                if (value.Kind != SqlValueKind.Object) return SqlValue.Undefined;
                value = value.AsObject.Get(path[i]);
            }
            return value;
        }, null);
    }

    private CompiledExpr CompileMember(MemberExpr member)
    {
        var target = Compile(member.Target);
        var name = member.Name;
        var eval = target.Eval;
        return Maybe((in Scope s) =>
        {
            var value = eval(in s);
            return value.Kind == SqlValueKind.Object ? value.AsObject.Get(name) : SqlValue.Undefined;
        }, target);
    }

    /// <summary>array[i] (0-based, a negative or too large index is Undefined) or object['name'].</summary>
    private CompiledExpr CompileIndex(IndexExpr index)
    {
        var target = Compile(index.Target);
        var at = Compile(index.Index);
        var (targetEval, atEval) = (target.Eval, at.Eval);
        return Maybe((in Scope s) =>
        {
            var value = targetEval(in s);
            var key = atEval(in s);
            if (value.Kind == SqlValueKind.Array && key.Kind == SqlValueKind.Int)
            {
                var items = value.AsArray;
                return key.AsInt >= 0 && key.AsInt < items.Length ? items[key.AsInt] : SqlValue.Undefined;
            }
            if (value.Kind == SqlValueKind.Object && key.Kind == SqlValueKind.String) return value.AsObject.Get(key.AsString);
            return SqlValue.Undefined;
        }, target, at);
    }

    /// <summary>{ 'k': expr, ... }: a field whose value is Undefined is left out, as in a result.</summary>
    private CompiledExpr CompileObject(ObjectExpr obj)
    {
        var names = obj.Fields.Select(f => f.Key).ToArray();
        var values = obj.Fields.Select(f => Compile(f.Value)).ToArray();
        var evals = values.Select(v => v.Eval).ToArray();
        return Maybe((in Scope s) =>
        {
            var fields = new SqlObjectBuilder(names.Length);
            for (var i = 0; i < names.Length; i++) fields.Set(names[i], evals[i](in s));
            return SqlValue.FromObject(fields.Build());
        }, values);
    }

    /// <summary>[a, b, ...]: an Undefined item stays in place and is written as null.</summary>
    private CompiledExpr CompileArray(ArrayExpr array)
    {
        var items = array.Items.Select(Compile).ToArray();
        var evals = items.Select(i => i.Eval).ToArray();
        return Maybe((in Scope s) =>
        {
            var values = new SqlValue[evals.Length];
            for (var i = 0; i < evals.Length; i++) values[i] = evals[i](in s);
            return SqlValue.FromArray(values);
        }, items);
    }
}
