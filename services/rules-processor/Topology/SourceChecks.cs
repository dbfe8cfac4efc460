using Pipeline.Contracts;
using Pipeline.RulesProcessor.Serialization;

namespace Pipeline.RulesProcessor.Topology;

internal static class SourceChecks
{
    /// <summary>The checks every record gets, whichever modules are enabled: readable, keyed, key = device id.</summary>
    public static Routed<EnrichedTelemetry> Check(string? key, Decoded<TelemetryRecord> decoded, string kafkaTopic)
    {
        if (decoded.Value is not { } record)
            return Routed<EnrichedTelemetry>.Reject(Rejections.Unreadable(key, kafkaTopic, decoded.Raw,
                RejectedMessage.Types.Reason.Undeserializable, decoded.Error ?? "unreadable record"));
        if (string.IsNullOrEmpty(key))
            return Routed<EnrichedTelemetry>.Reject(Rejections.Of(record, RejectedMessage.Types.Reason.ValidationFailed,
                "record has no key; the key must be the device id"));
        if (record.DeviceId != key)
            return Routed<EnrichedTelemetry>.Reject(Rejections.Of(record, RejectedMessage.Types.Reason.ValidationFailed,
                $"record key '{key}' is not its device_id '{record.DeviceId}'"));
        return Routed<EnrichedTelemetry>.Pass(new EnrichedTelemetry { Record = record });
    }
}
