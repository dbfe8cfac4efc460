using System.Text.Json.Nodes;

namespace Pipeline.WebConsole.Bridge;

/// <summary>One answer of the bridge's operator APIs: the status and the JSON body as it came (null when not JSON).</summary>
public sealed record BridgeAnswer(int Status, JsonNode? Body, string? ETag)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>The API's own reason ("error" in the rules API, "message" in the shadow and command APIs).</summary>
    public string Reason => Body?["error"]?.GetValue<string>() ?? Body?["message"]?.GetValue<string>() ?? $"HTTP {Status}";
}
