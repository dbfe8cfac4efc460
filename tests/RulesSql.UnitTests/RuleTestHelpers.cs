using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.UnitTests;

/// <summary>Compile a statement and run it over a JSON message on a topic, as the processor will.</summary>
internal static class RuleTestHelpers
{
    public const string DefaultTopic = "devices/sensor-1/telemetry";

    public static RuleContext Context(string topic = DefaultTopic, string? clientId = "sensor-1", long timestamp = 1764230400000,
        IReadOnlyDictionary<string, string>? attributes = null) => new(topic, clientId, timestamp, attributes);

    /// <summary>The result as JSON text, or null when the WHERE dropped the message.</summary>
    public static string? Run(string sql, string json = "{}", RuleContext? context = null) =>
        RuleSql.Compile(sql).Evaluate(SqlJson.ParseObject(json), context ?? Context())?.ToJsonString();

    /// <summary>The value of one expression over a message: `SELECT expr AS v FROM '#'`.</summary>
    public static SqlValue Eval(string expression, string json = "{}", RuleContext? context = null)
    {
        var result = RuleSql.Compile($"SELECT {expression} AS v FROM '#'").Evaluate(SqlJson.ParseObject(json), context ?? Context());
        return result!["v"];
    }

    /// <summary>The value as JSON, "undefined" when Undefined.</summary>
    public static string Show(string expression, string json = "{}", RuleContext? context = null) =>
        Eval(expression, json, context).ToString();

    public static RuleSqlException Refused(string sql) => Assert.Throws<RuleSqlException>(() => RuleSql.Compile(sql));
}
