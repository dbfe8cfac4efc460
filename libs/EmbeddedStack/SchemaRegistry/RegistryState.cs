using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>Everything the registry knows; this is also the shape of its JSON file.</summary>
internal sealed class RegistryState
{
    public const int CurrentFormat = 1;

    [JsonPropertyName("format")] public int Format { get; set; } = CurrentFormat;
    [JsonPropertyName("compatibility")] public string Compatibility { get; set; } = CompatibilityLevels.Default;
    /// <summary>Subject-level compatibility, which may be set before the subject has any version (as in Confluent's).</summary>
    [JsonPropertyName("subjectCompatibility")] public SortedDictionary<string, string> SubjectCompatibility { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Every schema ever registered, by global id. Kept after its versions are deleted so ids never change meaning.</summary>
    [JsonPropertyName("schemas")] public List<StoredSchema> Schemas { get; set; } = [];
    [JsonPropertyName("subjects")] public SortedDictionary<string, List<SubjectVersion>> Subjects { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class StoredSchema
{
    [JsonPropertyName("id")] public int Id { get; set; }
    [JsonPropertyName("guid")] public string Guid { get; set; } = "";
    [JsonPropertyName("schemaType")] public string SchemaType { get; set; } = SchemaTypes.Avro;
    [JsonPropertyName("schema")] public string Schema { get; set; } = "";
    [JsonPropertyName("references")] public List<SchemaRef> References { get; set; } = [];
    [JsonPropertyName("metadata")] public JsonNode? Metadata { get; set; }
    [JsonPropertyName("ruleSet")] public JsonNode? RuleSet { get; set; }
}

internal sealed class SubjectVersion
{
    [JsonPropertyName("version")] public int Version { get; set; }
    [JsonPropertyName("id")] public int SchemaId { get; set; }
    [JsonPropertyName("deleted")] public bool Deleted { get; set; }
}

internal sealed record SchemaRef(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("version")] int Version);

internal static class SchemaTypes
{
    public const string Avro = "AVRO";
    public const string Protobuf = "PROTOBUF";
    public const string Json = "JSON";

    /// <summary>Confluent's rule: no schemaType means AVRO (the type before the others existed).</summary>
    public static string Parse(string? value) => value?.ToUpperInvariant() switch
    {
        null or "" or Avro => Avro,
        Protobuf => Protobuf,
        Json => Json,
        _ => throw RegistryException.InvalidSchema($"unknown schema type '{value}' (expected AVRO, PROTOBUF or JSON)"),
    };
}

internal static class CompatibilityLevels
{
    public const string Default = "BACKWARD";

    private static readonly HashSet<string> Valid =
        ["NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"];

    public static string Parse(string? value)
    {
        var upper = value?.Trim().ToUpperInvariant();
        return upper is not null && Valid.Contains(upper) ? upper : throw RegistryException.InvalidCompatibilityLevel(value);
    }
}
