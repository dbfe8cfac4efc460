using System.Text;
using System.Text.Json.Nodes;

namespace Pipeline.Shadows;

/// <summary>
/// AWS IoT Core's shadow semantics as pure functions: the current stored document and a request
/// payload in, the new stored document and the messages for the device out. Timestamps are epoch
/// seconds, as in AWS IoT's documents. The caller serialises requests per shadow (one writer).
/// </summary>
public static class ShadowEngine
{
    public static ShadowResult Handle(ShadowOperation operation, string shadowName, ShadowDocument? current,
        ReadOnlySpan<byte> payload, long nowSeconds) => operation switch
    {
        ShadowOperation.Get => Get(shadowName, current, payload, nowSeconds),
        ShadowOperation.Update => Update(current, payload, nowSeconds),
        ShadowOperation.Delete => Delete(shadowName, current, payload, nowSeconds),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown shadow operation"),
    };

    public static ShadowResult Get(string shadowName, ShadowDocument? current, ReadOnlySpan<byte> payload, long nowSeconds)
    {
        const string op = "get";
        var (envelope, error) = ShadowRequestEnvelope.Parse(payload, allowEmpty: true);
        if (envelope is null) return Rejected(op, error!, null, nowSeconds);
        if (current is not { Exists: true }) return Rejected(op, ShadowError.NotFound(shadowName), envelope.ClientToken, nowSeconds);

        var body = current.ToJson();
        body["timestamp"] = nowSeconds;
        return Accepted(null, Response($"{op}/accepted", body, envelope.ClientToken));
    }

    public static ShadowResult Delete(string shadowName, ShadowDocument? current, ReadOnlySpan<byte> payload, long nowSeconds)
    {
        const string op = "delete";
        var (envelope, error) = ShadowRequestEnvelope.Parse(payload, allowEmpty: true);
        if (envelope is null) return Rejected(op, error!, null, nowSeconds);
        var (version, versionError) = envelope.ReadVersion();
        if (versionError is not null) return Rejected(op, versionError, envelope.ClientToken, nowSeconds);
        if (current is not { Exists: true }) return Rejected(op, ShadowError.NotFound(shadowName), envelope.ClientToken, nowSeconds);
        if (version is not null && version != current.Version)
            return Rejected(op, ShadowError.VersionConflict, envelope.ClientToken, nowSeconds);

        // The version survives the delete so a new shadow with the same name continues it.
        var deleted = new ShadowDocument(exists: false, current.Version, nowSeconds);
        var body = new JsonObject { ["version"] = current.Version, ["timestamp"] = nowSeconds };
        return Accepted(deleted, Response($"{op}/accepted", body, envelope.ClientToken));
    }

    public static ShadowResult Update(ShadowDocument? current, ReadOnlySpan<byte> payload, long nowSeconds)
    {
        const string op = "update";
        if (payload.Length > ShadowLimits.MaxDocumentBytes) return Rejected(op, ShadowError.PayloadTooLarge, null, nowSeconds);
        var (envelope, error) = ShadowRequestEnvelope.Parse(payload, allowEmpty: false);
        if (envelope is null) return Rejected(op, error!, null, nowSeconds);
        var token = envelope.ClientToken;

        var (request, requestError) = ShadowUpdateRequest.Read(envelope);
        if (request is null) return Rejected(op, requestError!, token, nowSeconds);

        var currentVersion = current?.Version ?? 0;
        if (request.Version is not null && request.Version != currentVersion)
            return Rejected(op, ShadowError.VersionConflict, token, nowSeconds);

        var live = current is { Exists: true } ? current : null;
        var desired = live?.Desired ?? [];
        var reported = live?.Reported ?? [];
        var desiredMetadata = live?.DesiredMetadata ?? [];
        var reportedMetadata = live?.ReportedMetadata ?? [];
        ApplySection(request.State, "desired", desired, desiredMetadata, nowSeconds);
        ApplySection(request.State, "reported", reported, reportedMetadata, nowSeconds);

        var stateBytes = Encoding.UTF8.GetByteCount(desired.ToJsonString()) + Encoding.UTF8.GetByteCount(reported.ToJsonString());
        if (stateBytes > ShadowLimits.MaxDocumentBytes) return Rejected(op, ShadowError.PayloadTooLarge, token, nowSeconds);

        var next = new ShadowDocument(exists: true, currentVersion + 1, nowSeconds, desired, reported, desiredMetadata, reportedMetadata);
        return Accepted(next, ShadowResponses.ForUpdate(live, next, request.State, token, nowSeconds));
    }

    private static void ApplySection(JsonObject requestState, string name, JsonObject section, JsonObject metadata, long now)
    {
        if (!requestState.TryGetPropertyValue(name, out var update)) return;
        if (update is null)
        {
            // "desired": null removes the whole section.
            section.Clear();
            metadata.Clear();
            return;
        }
        ShadowMerge.Apply(section, metadata, (JsonObject)update, now);
    }

    internal static ShadowResponse Response(string suffix, JsonObject body, string? clientToken)
    {
        if (clientToken is not null) body["clientToken"] = clientToken;
        return new ShadowResponse(suffix, body.ToJsonString());
    }

    private static ShadowResult Accepted(ShadowDocument? document, params IReadOnlyList<ShadowResponse> responses) =>
        new(null, document, responses);

    private static ShadowResult Rejected(string op, ShadowError error, string? clientToken, long now)
    {
        var body = new JsonObject { ["code"] = error.Code, ["message"] = error.Message, ["timestamp"] = now };
        return new ShadowResult(error, null, [Response($"{op}/rejected", body, clientToken)]);
    }
}
