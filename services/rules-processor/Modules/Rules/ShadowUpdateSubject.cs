using Pipeline.Contracts;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// A shadow update request as published (devices/&lt;id&gt;/shadow/update, or .../shadow/name/&lt;name&gt;/update for a
/// named shadow): its JSON document, e.g. {"state":{"reported":{...}}}, whether or not the shadow writer then accepts it,
/// as AWS IoT offers the update topic to rules. Updates from applications (the shadow API) come on the same topic.
/// </summary>
public sealed class ShadowUpdateSubject(ShadowRequest request)
    : RuleSubject(request.DeviceId, TopicOf(request), request.ReceivedTsMs, NoAttributes)
{
    private static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>();

    /// <summary>The subject of a request, or null for what rules are not offered (get and delete carry no document).</summary>
    public static ShadowUpdateSubject? Of(ShadowRequest? request) =>
        request is { Operation: ShadowRequest.Types.Operation.Update } && request.DeviceId.Length > 0 ? new ShadowUpdateSubject(request) : null;

    public override SqlObject Message() => SqlJson.ParseObject(request.Payload.Span);

    public override byte[] RawPayload() => request.Payload.ToByteArray();

    private static string TopicOf(ShadowRequest request) => request.ShadowName.Length == 0
        ? $"devices/{request.DeviceId}/shadow/update"
        : $"devices/{request.DeviceId}/shadow/name/{request.ShadowName}/update";
}
