using System.Text.Json.Nodes;

namespace Pipeline.Shadows;

/// <summary>A validated update request: its state node (desired and/or reported) and optional version.</summary>
internal sealed record ShadowUpdateRequest(JsonObject State, long? Version)
{
    public static (ShadowUpdateRequest? Request, ShadowError? Error) Read(ShadowRequestEnvelope envelope)
    {
        var (version, versionError) = envelope.ReadVersion();
        if (versionError is not null) return (null, versionError);

        if (!envelope.Body.TryGetPropertyValue("state", out var stateNode)) return (null, ShadowError.MissingState);
        if (stateNode is not JsonObject state) return (null, ShadowError.StateNotObject);

        foreach (var (key, value) in state)
        {
            switch (key)
            {
                case "desired" when value is not null and not JsonObject:
                    return (null, ShadowError.DesiredNotObject);
                case "reported" when value is not null and not JsonObject:
                    return (null, ShadowError.ReportedNotObject);
                case "desired" or "reported":
                    if (ShadowMerge.Depth(value) > ShadowLimits.MaxDepth) return (null, ShadowError.TooDeep);
                    break;
                default:
                    return (null, ShadowError.InvalidStateNode(key));
            }
        }
        return (new ShadowUpdateRequest(state, version), null);
    }
}
