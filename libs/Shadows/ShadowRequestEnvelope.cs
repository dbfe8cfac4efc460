using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Shadows;

/// <summary>The parts every request shares: the parsed JSON object and its clientToken.</summary>
internal sealed record ShadowRequestEnvelope(JsonObject Body, string? ClientToken)
{
    /// <summary>Empty payloads are allowed for get and delete (AWS IoT accepts them).</summary>
    public static (ShadowRequestEnvelope? Envelope, ShadowError? Error) Parse(ReadOnlySpan<byte> payload, bool allowEmpty)
    {
        if (payload.IsEmpty || payload.Trim(" \t\r\n"u8).IsEmpty)
            return allowEmpty ? (new ShadowRequestEnvelope([], null), null) : (null, ShadowError.InvalidJson);

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(payload, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return (null, ShadowError.InvalidJson);
        }
        if (node is not JsonObject body) return (null, ShadowError.InvalidJson);

        if (!body.TryGetPropertyValue("clientToken", out var tokenNode) || tokenNode is null)
            return (new ShadowRequestEnvelope(body, null), null);
        if (tokenNode.GetValueKind() != JsonValueKind.String) return (null, ShadowError.InvalidClientToken);
        var token = tokenNode.GetValue<string>();
        if (Encoding.UTF8.GetByteCount(token) > ShadowLimits.MaxClientTokenBytes) return (null, ShadowError.InvalidClientToken);
        return (new ShadowRequestEnvelope(body, token), null);
    }

    /// <summary>The optional "version": absent is fine, anything but an integer is not.</summary>
    public (long? Version, ShadowError? Error) ReadVersion()
    {
        if (!Body.TryGetPropertyValue("version", out var node) || node is null) return (null, null);
        if (node.GetValueKind() != JsonValueKind.Number) return (null, ShadowError.InvalidVersion);
        return node.AsValue().TryGetValue<long>(out var version) && version >= 0
            ? (version, null)
            : (null, ShadowError.InvalidVersion);
    }
}
