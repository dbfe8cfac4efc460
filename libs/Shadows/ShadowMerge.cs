using System.Text.Json.Nodes;

namespace Pipeline.Shadows;

/// <summary>
/// Applies one section (desired or reported) of an update request to the stored section and its
/// metadata, in place: null deletes a field, nested objects merge field by field, anything else
/// replaces the stored value. Objects emptied by deletions are removed.
/// </summary>
internal static class ShadowMerge
{
    public static void Apply(JsonObject target, JsonObject metadata, JsonObject update, long timestamp)
    {
        foreach (var (key, value) in update)
        {
            if (value is null)
            {
                target.Remove(key);
                metadata.Remove(key);
            }
            else if (value is JsonObject updateObject && target[key] is JsonObject existing)
            {
                var existingMetadata = metadata[key] as JsonObject;
                if (existingMetadata is null)
                {
                    existingMetadata = [];
                    metadata[key] = existingMetadata;
                }
                Apply(existing, existingMetadata, updateObject, timestamp);
                if (existing.Count == 0)
                {
                    target.Remove(key);
                    metadata.Remove(key);
                }
            }
            else
            {
                var cleaned = WithoutNulls(value);
                if (cleaned is JsonObject { Count: 0 } && value is JsonObject { Count: > 0 })
                {
                    // Only nulls inside a field that did not exist: nothing to store.
                    target.Remove(key);
                    metadata.Remove(key);
                    continue;
                }
                target[key] = cleaned;
                metadata[key] = MetadataFor(cleaned, timestamp);
            }
        }
    }

    /// <summary>Metadata mirrors the value's shape: a timestamp per leaf, per array element.</summary>
    public static JsonNode MetadataFor(JsonNode? value, long timestamp) => value switch
    {
        JsonObject obj => new JsonObject(obj.Select(p =>
            KeyValuePair.Create(p.Key, (JsonNode?)MetadataFor(p.Value, timestamp)))),
        JsonArray array => new JsonArray(array.Select(e => (JsonNode?)MetadataFor(e, timestamp)).ToArray()),
        _ => new JsonObject { ["timestamp"] = timestamp },
    };

    public static int Depth(JsonNode? node) => node switch
    {
        JsonObject obj => 1 + (obj.Count == 0 ? 0 : obj.Max(p => Depth(p.Value))),
        JsonArray array => array.Count == 0 ? 0 : array.Max(Depth),
        _ => 0,
    };

    private static JsonNode WithoutNulls(JsonNode value)
    {
        if (value is not JsonObject obj) return value.DeepClone();
        var result = new JsonObject();
        foreach (var (key, child) in obj)
        {
            if (child is null) continue;
            var cleaned = WithoutNulls(child);
            if (cleaned is JsonObject { Count: 0 } && child is JsonObject { Count: > 0 }) continue;
            result[key] = cleaned;
        }
        return result;
    }
}
