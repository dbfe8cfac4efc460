using System.Text.Json.Nodes;

namespace Pipeline.Shadows;

/// <summary>The messages of an accepted update, in AWS IoT's shapes.</summary>
internal static class ShadowResponses
{
    public static IReadOnlyList<ShadowResponse> ForUpdate(ShadowDocument? previous, ShadowDocument current,
        JsonObject requestState, string? clientToken, long now)
    {
        var responses = new List<ShadowResponse>(3)
        {
            // update/accepted echoes the request's state (nulls included) with the metadata of what it touched.
            ShadowEngine.Response("update/accepted", new JsonObject
            {
                ["state"] = requestState.DeepClone(),
                ["metadata"] = RequestMetadata(requestState, now),
                ["version"] = current.Version,
                ["timestamp"] = now,
            }, clientToken),
            ShadowEngine.Response("update/documents", new JsonObject
            {
                ["previous"] = previous is null ? null : Snapshot(previous),
                ["current"] = Snapshot(current),
                ["timestamp"] = now,
            }, clientToken),
        };

        // Like AWS IoT, a delta goes out when a change of desired leaves desired and reported apart;
        // a device that only reports does not get its own pending delta echoed back each time.
        var delta = current.Delta;
        if (requestState["desired"] is JsonObject && delta.Count > 0)
            responses.Add(Delta(current, clientToken, now));
        return responses;
    }

    /// <summary>The update/delta message of a document: only the delta and its metadata.</summary>
    public static ShadowResponse Delta(ShadowDocument document, string? clientToken, long now) =>
        ShadowEngine.Response("update/delta", new JsonObject
        {
            ["state"] = document.Delta,
            ["metadata"] = document.DeltaMetadata,
            ["version"] = document.Version,
            ["timestamp"] = now,
        }, clientToken);

    private static JsonObject Snapshot(ShadowDocument document)
    {
        var json = document.ToJson(includeDelta: false);
        json.Remove("timestamp");
        return json;
    }

    private static JsonObject RequestMetadata(JsonObject requestState, long now)
    {
        var metadata = new JsonObject();
        foreach (var (section, value) in requestState)
            metadata[section] = value is null ? new JsonObject { ["timestamp"] = now } : ShadowMerge.MetadataFor(value, now);
        return metadata;
    }
}
