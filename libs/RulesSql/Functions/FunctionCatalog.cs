using Pipeline.RulesSql.Compilation;
using Pipeline.RulesSql.Values;
using static Pipeline.RulesSql.Functions.Builders;
using static Pipeline.RulesSql.Functions.ParamKind;

namespace Pipeline.RulesSql.Functions;

/// <summary>The built-in functions, by name (case-insensitive, as in AWS).</summary>
internal static class FunctionCatalog
{
    private const int Many = int.MaxValue;

    private static readonly Dictionary<string, FunctionDef> ByName = new FunctionDef[]
    {
        new("topic", 0, 1, [Number], false, args => args.Length == 0
            ? (in Scope s) => SqlValue.FromString(s.Context.Topic)
            : TopicLevel(args[0])),
        new("clientid", 0, 0, [], false, OfContext(ValueFunctions.ClientId)),
        new("timestamp", 0, 0, [], false, OfContext(c => SqlValue.FromInt(c.TimestampMs))),
        new("newuuid", 0, 0, [], false, _ => (in Scope _) => SqlValue.FromString(Guid.NewGuid().ToString())),
        new("attribute", 1, 1, [Text], false, args => { var name = args[0]; return (in Scope s) => ValueFunctions.Attribute(s.Context, name(in s)); }),
        new("abs", 1, 1, [Number], true, Of(MathFunctions.Abs)),
        new("round", 1, 1, [Number], true, Of(MathFunctions.Round)),
        new("floor", 1, 1, [Number], true, Of(MathFunctions.Floor)),
        new("ceil", 1, 1, [Number], true, Of(MathFunctions.Ceil)),
        new("sqrt", 1, 1, [Number], true, Of(MathFunctions.Sqrt)),
        new("power", 2, 2, [Number], true, Of(MathFunctions.Power)),
        new("mod", 2, 2, [Number], true, Of(MathFunctions.Mod)),
        new("lower", 1, 1, [Text], true, Of(TextFunctions.Lower)),
        new("upper", 1, 1, [Text], true, Of(TextFunctions.Upper)),
        new("trim", 1, 1, [Text], true, Of(TextFunctions.Trim)),
        new("length", 1, 1, [TextOrArray], true, Of(TextFunctions.Length)),
        new("startswith", 2, 2, [Text], true, Of(TextFunctions.StartsWith)),
        new("endswith", 2, 2, [Text], true, Of(TextFunctions.EndsWith)),
        new("substring", 2, 3, [Text, Number], true, Variadic(TextFunctions.Substring)),
        new("concat", 1, Many, [Any], true, Variadic(values => Operators.Concat(values))),
        new("coalesce", 1, Many, [Any], true, Variadic(ValueFunctions.Coalesce)),
        new("isnull", 1, 1, [Any], true, Of(ValueFunctions.IsNull)),
        new("isundefined", 1, 1, [Any], true, Of(ValueFunctions.IsUndefined)),
    }.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>AWS functions we know but do not offer, with the reason shown to the operator.</summary>
    private static readonly Dictionary<string, string> NotOffered = new(StringComparer.OrdinalIgnoreCase)
    {
        ["get_thing_shadow"] = "get_thing_shadow is not supported: rules see the published message only (docs/rules-sql.md)",
        ["aws_lambda"] = "aws_lambda is not supported: there is no AWS Lambda here (docs/rules-sql.md)",
        ["get_dynamodb"] = "get_dynamodb is not supported (docs/rules-sql.md)",
        ["get_secret"] = "get_secret is not supported (docs/rules-sql.md)",
    };

    public static IEnumerable<string> Names => ByName.Keys;

    public static FunctionDef? Find(string name) => ByName.GetValueOrDefault(name);

    public static string? WhyNotOffered(string name) => NotOffered.GetValueOrDefault(name);

    private static Evaluator TopicLevel(Evaluator level) => (in Scope s) => ValueFunctions.TopicLevel(s.Context, level(in s));
}
