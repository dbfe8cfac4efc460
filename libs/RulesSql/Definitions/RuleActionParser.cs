namespace Pipeline.RulesSql.Definitions;

/// <summary>Reads the command line's <c>type:target</c> form of an action (contract.md: republish, kafka, clickhouse, http).</summary>
public static class RuleActionParser
{
    /// <summary>Throws <see cref="RuleDefinitionException"/> naming the problem; <paramref name="qos"/> applies to republish.</summary>
    public static RuleAction Parse(string text, int qos = 1)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            throw new RuleDefinitionException($"action '{text}': write it as type:target, e.g. kafka:alerts or republish:devices/${{topic(2)}}/commands");
        var type = text[..colon].Trim().ToLowerInvariant() switch
        {
            "republish" => RuleActionType.Republish,
            "kafka" => RuleActionType.Kafka,
            "clickhouse" => RuleActionType.ClickHouse,
            "http" or "https" => RuleActionType.Http,
            var other => throw new RuleDefinitionException($"action '{text}': unknown type '{other}' (use republish, kafka, clickhouse or http)"),
        };
        // http:https://... keeps its own scheme; "https://x" given as a whole is an http action to that URL.
        var target = text[..colon].Trim().Equals("https", StringComparison.OrdinalIgnoreCase) ? text : text[(colon + 1)..].Trim();
        return new RuleAction { Type = type, Target = target, Qos = qos };
    }
}
