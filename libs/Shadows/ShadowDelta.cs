using System.Text.Json.Nodes;

namespace Pipeline.Shadows;

/// <summary>
/// The delta: every desired field whose value differs from reported. Fields only in reported
/// are not in it; nested objects are compared field by field; anything else (numbers,
/// strings, arrays) compares as a whole value.
/// </summary>
public static class ShadowDelta
{
    public static JsonObject Compute(JsonObject desired, JsonObject reported)
    {
        var delta = new JsonObject();
        foreach (var (key, want) in desired)
        {
            var have = reported[key];
            if (want is JsonObject wantObject && have is JsonObject haveObject)
            {
                var nested = Compute(wantObject, haveObject);
                if (nested.Count > 0) delta[key] = nested;
            }
            else if (!JsonNode.DeepEquals(want, have) || !reported.ContainsKey(key))
            {
                delta[key] = want?.DeepClone();
            }
        }
        return delta;
    }

    /// <summary>The desired metadata of exactly the fields that are in the delta.</summary>
    public static JsonObject Metadata(JsonObject desired, JsonObject reported, JsonObject desiredMetadata)
    {
        var metadata = new JsonObject();
        foreach (var (key, want) in desired)
        {
            var have = reported[key];
            if (want is JsonObject wantObject && have is JsonObject haveObject)
            {
                var nested = Metadata(wantObject, haveObject, desiredMetadata[key] as JsonObject ?? []);
                if (nested.Count > 0) metadata[key] = nested;
            }
            else if (!JsonNode.DeepEquals(want, have) || !reported.ContainsKey(key))
            {
                metadata[key] = desiredMetadata[key]?.DeepClone();
            }
        }
        return metadata;
    }
}
