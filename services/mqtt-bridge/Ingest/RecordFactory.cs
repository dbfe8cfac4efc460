using System.Buffers;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.Ingest;

/// <summary>Builds the Kafka records the bridge writes from what a device sent.</summary>
public static class RecordFactory
{
    /// <summary>
    /// The record of a JSON telemetry payload, parsed straight into the record's metrics (the bridge's hot path: an
    /// intermediate <see cref="Contracts.Telemetry"/> and the copy of its map were a tenth of the bridge's CPU per message).
    /// </summary>
    public static ParseResult<TelemetryRecord> TelemetryFromJson(string deviceId, string topic, ReadOnlySequence<byte> payload, long receivedMs, string instance)
    {
        var record = new TelemetryRecord
        {
            DeviceId = deviceId,
            ReceivedTsMs = receivedMs,
            Topic = topic,
            BridgeInstance = instance,
        };
        if (TelemetryParser.ParseJson(payload, record.Metrics, out var tsMs, out var seq) is { } refusal)
            return refusal;
        record.DeviceTsMs = tsMs ?? receivedMs;
        record.DeviceTsMissing = tsMs is null;
        if (seq is { } s)
            record.Seq = s;
        return record;
    }

    public static TelemetryRecord Telemetry(string deviceId, string topic, Telemetry telemetry, long receivedMs, string instance)
    {
        var record = new TelemetryRecord
        {
            DeviceId = deviceId,
            DeviceTsMs = telemetry.HasTsMs ? telemetry.TsMs : receivedMs,
            DeviceTsMissing = !telemetry.HasTsMs,
            ReceivedTsMs = receivedMs,
            Topic = topic,
            BridgeInstance = instance,
        };
        if (telemetry.HasSeq)
            record.Seq = telemetry.Seq;
        record.Metrics.Add(telemetry.Metrics);
        return record;
    }

    public static DeviceEvent Event(string deviceId, string topic, EventParser.ParsedEvent parsed, long receivedMs, string instance) => new()
    {
        DeviceId = deviceId,
        DeviceTsMs = parsed.TsMs ?? receivedMs,
        ReceivedTsMs = receivedMs,
        BodyJson = parsed.BodyJson,
        Topic = topic,
        BridgeInstance = instance,
        Source = "device",
    };

    /// <summary>How much of a refused payload iot.rejected keeps: enough to see what was wrong, not a copy of every oversized message.</summary>
    public const int RejectedPayloadPrefixBytes = 4096;

    /// <summary>How much of a refused topic iot.rejected keeps (MQTT allows 65,535 bytes).</summary>
    public const int RejectedTopicPrefixChars = 512;

    /// <summary>An iot.rejected record with bounded prefixes of the topic and payload; the detail says when they were cut.</summary>
    public static RejectedMessage Rejected(string deviceId, string topic, ReadOnlySequence<byte> payload, Refusal refusal, long receivedMs)
    {
        var detail = refusal.Detail;
        if (payload.Length > RejectedPayloadPrefixBytes)
        {
            detail += $" (payload: first {RejectedPayloadPrefixBytes} of {payload.Length} bytes kept)";
            payload = payload.Slice(0, RejectedPayloadPrefixBytes);
        }
        if (topic.Length > RejectedTopicPrefixChars)
        {
            detail += $" (topic: first {RejectedTopicPrefixChars} of {topic.Length} characters kept)";
            topic = topic[..RejectedTopicPrefixChars];
        }
        return new RejectedMessage
        {
            Reason = refusal.Reason,
            Detail = detail,
            DeviceId = deviceId,
            Topic = topic,
            Payload = payload.IsEmpty ? ByteString.Empty : ByteString.CopyFrom(payload.ToArray()),
            ReceivedTsMs = receivedMs,
            Stage = "bridge",
        };
    }
}
