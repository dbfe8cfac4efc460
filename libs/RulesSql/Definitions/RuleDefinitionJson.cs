using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.RulesSql.Definitions;

/// <summary>The one JSON form of a <see cref="RuleDefinition"/>: what iot.rules holds and the HTTP API returns.</summary>
public static class RuleDefinitionJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public static byte[] ToBytes(RuleDefinition rule) => JsonSerializer.SerializeToUtf8Bytes(rule, Options);

    public static string ToText(RuleDefinition rule) => JsonSerializer.Serialize(rule, Options);

    /// <summary>Reads a stored rule; null when the bytes are not a rule (the caller counts and skips it).</summary>
    public static RuleDefinition? TryRead(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize<RuleDefinition>(utf8, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
