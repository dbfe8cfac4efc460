using Pipeline.RulesSql.Syntax;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Compilation;

internal sealed partial class ExprCompiler
{
    private CompiledExpr CompileUnary(UnaryExpr unary)
    {
        var operand = Compile(unary.Operand);
        var eval = operand.Eval;
        if (unary.Op == UnaryOp.Negate)
        {
            RequireNumber(operand, unary.Operand, "'-'");
            return Maybe((in Scope s) => Operators.Negate(eval(in s)), operand);
        }
        RequireLogical(operand, unary.Operand, "NOT");
        return Maybe((in Scope s) => Operators.Not(eval(in s)), operand);
    }

    private CompiledExpr CompileBinary(BinaryExpr binary)
    {
        var left = Compile(binary.Left);
        var right = Compile(binary.Right);
        var (l, r) = (left.Eval, right.Eval);
        var op = binary.Op;
        switch (op)
        {
            case BinaryOp.And or BinaryOp.Or:
                var name = op == BinaryOp.And ? "AND" : "OR";
                RequireLogical(left, binary.Left, name);
                RequireLogical(right, binary.Right, name);
                return Maybe(op == BinaryOp.And ? And(l, r) : Or(l, r), left, right);
            case BinaryOp.Concat:
                return Maybe((in Scope s) => Operators.Concat([l(in s), r(in s)]), left, right);
            case BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Modulo:
                var symbol = $"'{text[binary.OperatorOffset]}'";
                RequireNumber(left, binary.Left, symbol);
                RequireNumber(right, binary.Right, symbol);
                return Maybe((in Scope s) => Operators.Arithmetic(op, l(in s), r(in s)), left, right);
            default:
                return Maybe((in Scope s) => Operators.Compare(op, l(in s), r(in s)), left, right);
        }
    }

    /// <summary>false AND x is false without looking at x, as in SQL's three-valued logic (AWS
    /// documents Undefined when either side is not a boolean; a WHERE drops both alike).</summary>
    private static Evaluator And(Evaluator left, Evaluator right) => (in Scope s) =>
    {
        var l = SqlConvert.ToLogical(left(in s));
        if (l.Kind == SqlValueKind.Boolean && !l.AsBoolean) return SqlValue.False;
        var r = SqlConvert.ToLogical(right(in s));
        if (r.Kind == SqlValueKind.Boolean && !r.AsBoolean) return SqlValue.False;
        return l.IsUndefined || r.IsUndefined ? SqlValue.Undefined : SqlValue.True;
    };

    private static Evaluator Or(Evaluator left, Evaluator right) => (in Scope s) =>
    {
        var l = SqlConvert.ToLogical(left(in s));
        if (l.Kind == SqlValueKind.Boolean && l.AsBoolean) return SqlValue.True;
        var r = SqlConvert.ToLogical(right(in s));
        if (r.Kind == SqlValueKind.Boolean && r.AsBoolean) return SqlValue.True;
        return l.IsUndefined || r.IsUndefined ? SqlValue.Undefined : SqlValue.False;
    };

    /// <summary>True when the value equals an item; false when it equals none; Undefined when the
    /// value is Undefined or the right side is not a list or an array.</summary>
    private CompiledExpr CompileIn(InExpr inExpr)
    {
        var value = Compile(inExpr.Value);
        var v = value.Eval;
        var negated = inExpr.Negated;
        if (inExpr.Items is { } list)
        {
            var items = list.Select(Compile).ToArray();
            var evals = items.Select(i => i.Eval).ToArray();
            return Maybe((in Scope s) =>
            {
                var needle = v(in s);
                if (needle.IsUndefined) return SqlValue.Undefined;
                foreach (var item in evals)
                {
                    if (SqlEquality.Equal(needle, item(in s)) is { Kind: SqlValueKind.Boolean, AsBoolean: true }) return SqlValue.FromBoolean(!negated);
                }
                return SqlValue.FromBoolean(negated);
            }, [value, .. items]);
        }
        var array = Compile(inExpr.Array!);
        var a = array.Eval;
        return Maybe((in Scope s) =>
        {
            var needle = v(in s);
            var haystack = a(in s);
            if (needle.IsUndefined || haystack.Kind != SqlValueKind.Array) return SqlValue.Undefined;
            foreach (var item in haystack.AsArray)
            {
                if (SqlEquality.Equal(needle, item) is { Kind: SqlValueKind.Boolean, AsBoolean: true }) return SqlValue.FromBoolean(!negated);
            }
            return SqlValue.FromBoolean(negated);
        }, value, array);
    }

    /// <summary>low &lt;= value AND value &lt;= high, with the ordering of &lt; and &gt;.</summary>
    private CompiledExpr CompileBetween(BetweenExpr between)
    {
        var value = Compile(between.Value);
        var low = Compile(between.Low);
        var high = Compile(between.High);
        var (v, lo, hi) = (value.Eval, low.Eval, high.Eval);
        var negated = between.Negated;
        return Maybe((in Scope s) =>
        {
            var x = v(in s);
            if (SqlEquality.Order(x, lo(in s)) is not { } fromLow || SqlEquality.Order(x, hi(in s)) is not { } fromHigh) return SqlValue.Undefined;
            return SqlValue.FromBoolean((fromLow >= 0 && fromHigh <= 0) != negated);
        }, value, low, high);
    }

    private CompiledExpr CompileIs(IsExpr isExpr)
    {
        var value = Compile(isExpr.Value);
        var v = value.Eval;
        var kind = isExpr.Test == IsTest.Null ? SqlValueKind.Null : SqlValueKind.Undefined;
        var negated = isExpr.Negated;
        return Maybe((in Scope s) => SqlValue.FromBoolean((v(in s).Kind == kind) != negated), value);
    }

    /// <summary>The THEN of the first WHEN that holds (with an operand: equals it); else ELSE, or
    /// Undefined without one.</summary>
    private CompiledExpr CompileCase(CaseExpr caseExpr)
    {
        var operand = caseExpr.Operand is null ? null : Compile(caseExpr.Operand);
        var whens = caseExpr.Whens.Select(w => Compile(w.When)).ToArray();
        var thens = caseExpr.Whens.Select(w => Compile(w.Then)).ToArray();
        var otherwise = caseExpr.Else is null ? null : Compile(caseExpr.Else);
        var (o, e) = (operand?.Eval, otherwise?.Eval);
        var whenEvals = whens.Select(w => w.Eval).ToArray();
        var thenEvals = thens.Select(t => t.Eval).ToArray();
        Evaluator eval = (in Scope s) =>
        {
            var subject = o is null ? SqlValue.Undefined : o(in s);
            for (var i = 0; i < whenEvals.Length; i++)
            {
                var when = whenEvals[i](in s);
                var holds = o is null ? SqlConvert.ToLogical(when) : SqlEquality.Equal(subject, when);
                if (holds.Kind == SqlValueKind.Boolean && holds.AsBoolean) return thenEvals[i](in s);
            }
            return e is null ? SqlValue.Undefined : e(in s);
        };
        CompiledExpr[] inputs = [.. whens, .. thens, .. (operand is null ? [] : new[] { operand }), .. (otherwise is null ? [] : new[] { otherwise })];
        return Maybe(eval, inputs);
    }

    private void RequireNumber(CompiledExpr operand, Expr at, string what)
    {
        if (operand.Constant is { } value && SqlConvert.ToNumber(value).IsUndefined)
        {
            throw Error(at.Offset, $"{what} needs numbers, but {Show(value)} is not a number");
        }
    }

    private void RequireLogical(CompiledExpr operand, Expr at, string what)
    {
        if (operand.Constant is { } value && SqlConvert.ToLogical(value).IsUndefined)
        {
            throw Error(at.Offset, $"{what} needs true or false, but {Show(value)} is neither");
        }
    }

    /// <summary>A constant as the operator wrote it, shortened: 'x', 5, NULL, an array.</summary>
    internal static string Show(SqlValue value)
    {
        var shown = value.Kind switch
        {
            SqlValueKind.String => $"'{value.AsString}'",
            SqlValueKind.Null => "NULL",
            SqlValueKind.Undefined => "an undefined value",
            SqlValueKind.Array => "an array",
            SqlValueKind.Object => "an object",
            _ => value.ToString(),
        };
        return shown.Length <= 40 ? shown : shown[..40] + "...";
    }
}
