using System.Text.Json.Serialization;

namespace Pipeline.RulesSql.Definitions;

/// <summary>
/// One operator rule as stored in the compacted iot.rules topic (key = name, value = this as JSON, a tombstone deletes).
/// JSON rather than Protobuf because it is an operator's document: `kcat -C -t iot.rules` shows it as written.
/// <see cref="Version"/> counts the rule's changes (1 at creation); a processor keeps, per record, the version it used.
/// </summary>
public sealed record RuleDefinition
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("sql")] public required string Sql { get; init; }
    [JsonPropertyName("actions")] public required IReadOnlyList<RuleAction> Actions { get; init; }
    [JsonPropertyName("errorAction")] public RuleAction? ErrorAction { get; init; }
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    [JsonPropertyName("enabled")] public bool Enabled { get; init; } = true;
    [JsonPropertyName("version")] public long Version { get; init; } = 1;
    [JsonPropertyName("createdTsMs")] public long CreatedTsMs { get; init; }
    [JsonPropertyName("updatedTsMs")] public long UpdatedTsMs { get; init; }
}

/// <summary>Where a rule's result goes: <c>type:target</c> on the command line, e.g. <c>kafka:alerts.fan</c>.</summary>
public sealed record RuleAction
{
    [JsonPropertyName("type")] public required RuleActionType Type { get; init; }

    /// <summary>MQTT topic, Kafka topic, <c>db.table</c> or URL; may hold ${...} substitutions.</summary>
    [JsonPropertyName("target")] public required string Target { get; init; }

    /// <summary>republish only: 0 or 1.</summary>
    [JsonPropertyName("qos")] public int Qos { get; init; } = 1;

    public override string ToString() => $"{RuleActionTypes.Name(Type)}:{Target}";
}

[JsonConverter(typeof(JsonStringEnumConverter<RuleActionType>))]
public enum RuleActionType
{
    [JsonStringEnumMemberName("republish")] Republish,
    [JsonStringEnumMemberName("kafka")] Kafka,
    [JsonStringEnumMemberName("clickhouse")] ClickHouse,
    [JsonStringEnumMemberName("http")] Http,
}

public static class RuleActionTypes
{
    public static string Name(RuleActionType type) => type switch
    {
        RuleActionType.Republish => "republish",
        RuleActionType.Kafka => "kafka",
        RuleActionType.ClickHouse => "clickhouse",
        RuleActionType.Http => "http",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
