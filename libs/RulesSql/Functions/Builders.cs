using Pipeline.RulesSql.Compilation;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Functions;

/// <summary>Turns plain value functions into evaluators over their arguments' evaluators.</summary>
internal static class Builders
{
    public static Func<Evaluator[], Evaluator> Of(Func<SqlValue, SqlValue> function) => args =>
    {
        var a = args[0];
        return (in Scope s) => function(a(in s));
    };

    public static Func<Evaluator[], Evaluator> Of(Func<SqlValue, SqlValue, SqlValue> function) => args =>
    {
        var a = args[0];
        var b = args[1];
        return (in Scope s) => function(a(in s), b(in s));
    };

    public static Func<Evaluator[], Evaluator> Variadic(Func<SqlValue[], SqlValue> function) => args => (in Scope s) =>
    {
        var values = new SqlValue[args.Length];
        for (var i = 0; i < args.Length; i++) values[i] = args[i](in s);
        return function(values);
    };

    public static Func<Evaluator[], Evaluator> OfContext(Func<RuleContext, SqlValue> function) => _ => (in Scope s) => function(s.Context);
}
