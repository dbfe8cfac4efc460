using System.Buffers;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.Ingest;

/// <summary>Builds the Kafka records the bridge writes from what a device sent.</summary>
public static class RecordFactory
{
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

    public static RejectedMessage Rejected(string deviceId, string topic, ReadOnlySequence<byte> payload, Refusal refusal, long receivedMs) => new()
    {
        Reason = refusal.Reason,
        Detail = refusal.Detail,
        DeviceId = deviceId,
        Topic = topic,
        Payload = payload.IsEmpty ? ByteString.Empty : ByteString.CopyFrom(payload.ToArray()),
        ReceivedTsMs = receivedMs,
        Stage = "bridge",
    };
}
