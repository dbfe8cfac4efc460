using Pipeline.RulesSql.Functions;
using Pipeline.RulesSql.Syntax;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Compilation;

internal sealed partial class ExprCompiler
{
    private CompiledExpr CompileCall(CallExpr call)
    {
        if (FunctionCatalog.WhyNotOffered(call.Name) is { } why) throw Error(call.Offset, why);
        var function = FunctionCatalog.Find(call.Name)
            ?? throw Error(call.Offset, $"unknown function '{call.Name}'{Suggestions.Hint(call.Name, FunctionCatalog.Names)}");
        var count = call.Arguments.Count;
        if (count < function.MinArgs || count > function.MaxArgs)
        {
            throw Error(call.Offset, $"{function.Name}() takes {function.Arity}, but was given {count}");
        }
        var arguments = call.Arguments.Select(Compile).ToArray();
        for (var i = 0; i < arguments.Length; i++) CheckArgument(function, i, arguments[i], call.Arguments[i]);
        var eval = function.Build([.. arguments.Select(a => a.Eval)]);
        return function.Pure ? Maybe(eval, arguments) : new CompiledExpr(eval, null);
    }

    /// <summary>A constant argument that the function can never use is refused now, since at run
    /// time it would make every call Undefined (AWS only finds out then).</summary>
    private void CheckArgument(FunctionDef function, int index, CompiledExpr argument, Expr at)
    {
        if (argument.Constant is not { } value) return;
        var usable = function.KindOf(index) switch
        {
            ParamKind.Number => !SqlConvert.ToNumber(value).IsUndefined,
            ParamKind.Text => !TextFunctions.Text(value).IsUndefined,
            ParamKind.TextOrArray => value.Kind is SqlValueKind.String or SqlValueKind.Array,
            _ => true,
        };
        var expected = function.KindOf(index) switch
        {
            ParamKind.Number => "a number",
            ParamKind.Text => "a string",
            _ => "a string or an array",
        };
        if (!usable) throw Error(at.Offset, $"{function.Name}() expects {expected}, but {Show(value)} is not one");
        if (function.Name == "topic" && SqlConvert.ToNumber(value) is var level && (level.Kind != SqlValueKind.Int || level.AsInt < 1))
        {
            throw Error(at.Offset, $"topic(n) counts topic levels from 1, so n must be a whole number of at least 1, not {Show(value)}");
        }
    }

    private CompiledExpr CompileCast(CastExpr cast)
    {
        var target = Casts.Find(cast.TypeName)
            ?? throw Error(cast.TypeOffset, $"unknown type '{cast.TypeName}' in cast: use Int, Decimal, String or Boolean{Suggestions.Hint(cast.TypeName, Casts.TypeNames)}");
        var value = Compile(cast.Value);
        var eval = value.Eval;
        return Maybe((in Scope s) => Casts.To(target, eval(in s)), value);
    }
}
