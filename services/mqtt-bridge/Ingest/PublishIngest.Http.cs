using Confluent.Kafka;
using MQTTnet.Packets;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.Ingest;

public sealed partial class PublishIngest
{
    /// <summary>
    /// A publish that did not come over MQTT (HTTP publish): the same policy, limits, parsing, records and
    /// iot.rejected rows as an MQTT publish. Returns null once Kafka acknowledged the record (or, when
    /// <paramref name="waitForKafka"/> is false, once Kafka's client took it), else the refusal. A record Kafka
    /// did not acknowledge is not a rejection of the message: it gets <see cref="Refusal.BufferFull"/> (503) and no row.
    /// </summary>
    public async Task<Refusal?> PublishAsync(DeviceSession session, MqttPublishPacket publish, bool waitForKafka)
    {
        if (_draining)
            return Refusal.BufferFull("the bridge is shutting down; retry");
        var receivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (kind, refusal) = TopicPolicy.ClassifyPublish(session.DeviceId, publish.Topic);
        BridgeMetrics.MessagesIn.WithLabels(refusal is null ? KindLabel(kind) : "other", waitForKafka ? "1" : "0").Inc();
        DeviceRecord? accepting = null;
        if (refusal is null && !session.TryGetAcceptingRecord(out accepting))
            refusal = Refusal.NotAuthorized("the device is revoked or no longer registered");
        refusal ??= CheckLimits(session, publish);
        string? topic = null;
        byte[]? value = null;
        if (refusal is null)
            (topic, value, refusal) = Encode(kind, session.DeviceId, publish, receivedMs, accepting!);
        if (refusal is null && !buffer.TryReserve(value!.Length + session.DeviceId.Length))
            refusal = Refusal.BufferFull($"the bridge is holding {buffer.UsedBytes} bytes for Kafka (limit {buffer.CapacityBytes}); retry later");
        if (refusal is not null)
        {
            BridgeMetrics.Rejects.WithLabels(refusal.MetricLabel).Inc();
            WriteRejected(RecordFactory.Rejected(session.DeviceId, publish.Topic ?? "", publish.Payload, refusal, receivedMs));
            return refusal;
        }

        long reserved = value!.Length + session.DeviceId.Length;
        BridgeMetrics.BufferBytes.Set(buffer.UsedBytes);
        var delivered = new TaskCompletionSource<Refusal?>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            producer.Produce(topic!, session.DeviceId, value, report =>
            {
                buffer.Release(reserved);
                BridgeMetrics.BufferBytes.Set(buffer.UsedBytes);
                if (report.Error.IsError)
                {
                    BridgeMetrics.DeliveryFailures.Inc();
                    delivered.TrySetResult(Refusal.BufferFull($"Kafka did not acknowledge the record: {report.Error.Reason}; retry"));
                    return;
                }
                BridgeMetrics.MessagesAccepted.WithLabels(KindLabel(kind)).Inc();
                delivered.TrySetResult(null);
            });
        }
        catch (ProduceException<string, byte[]> e)
        {
            buffer.Release(reserved);
            return Refusal.BufferFull($"Kafka's client queue refused the record: {e.Error.Reason}; retry");
        }
        return waitForKafka ? await delivered.Task.ConfigureAwait(false) : null;
    }
}
