using Google.Protobuf;
using Pipeline.Contracts;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>Builds <see cref="RejectedMessage"/>s the same way for every module.</summary>
public static class Rejections
{
    public const string Stage = "rules-processor";

    /// <summary>A telemetry record refused by a module; the payload is the record as Protobuf (no registry framing).</summary>
    public static RejectedMessage Of(TelemetryRecord record, RejectedMessage.Types.Reason reason, string detail) => new()
    {
        Reason = reason,
        Detail = detail,
        DeviceId = record.DeviceId,
        Topic = record.Topic,
        Payload = record.ToByteString(),
        ReceivedTsMs = record.ReceivedTsMs != 0 ? record.ReceivedTsMs : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Stage = Stage,
    };

    /// <summary>A Kafka record that could not be read at all; the payload is its value as received.</summary>
    public static RejectedMessage Unreadable(string? deviceId, string kafkaTopic, byte[]? raw, RejectedMessage.Types.Reason reason, string detail) => new()
    {
        Reason = reason,
        Detail = detail,
        DeviceId = deviceId ?? "",
        Topic = kafkaTopic,
        Payload = raw is null ? ByteString.Empty : ByteString.CopyFrom(raw),
        ReceivedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Stage = Stage,
    };
}
