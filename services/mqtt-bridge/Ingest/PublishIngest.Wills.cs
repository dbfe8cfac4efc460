using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MQTTnet.Packets;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.Ingest;

public sealed partial class PublishIngest
{
    /// <summary>
    /// A device's last will, published by the bridge for it: the same policy, size limit, parsing, topic and
    /// iot.rejected row as the device's own publish on that topic, but nobody to acknowledge and no rate limit
    /// (the device is gone). Kafka failures are counted like other records the bridge could not keep.
    /// </summary>
    public void IngestWill(string deviceId, MqttPublishPacket will)
    {
        var receivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (kind, refusal) = TopicPolicy.ClassifyPublish(deviceId, will.Topic);
        // A device revoked since it connected has no will published for it.
        Pipeline.Contracts.DeviceRecord? accepting = null;
        if (refusal is null && !(registry.TryGet(deviceId, out accepting) && !accepting.Revoked))
            refusal = Refusal.NotAuthorized("the device is revoked or no longer registered");
        if (refusal is null && will.Payload.Length > _maxPayload)
            refusal = Refusal.TooLarge($"will payload of {will.Payload.Length} bytes exceeds the limit of {_maxPayload} bytes");
        var (topic, value, parseRefusal) = refusal is null ? Encode(kind, deviceId, will, receivedMs, accepting!) : (null, null, refusal);
        if (parseRefusal is not null)
        {
            BridgeMetrics.Rejects.WithLabels(parseRefusal.MetricLabel).Inc();
            WriteRejected(RecordFactory.Rejected(deviceId, will.Topic ?? "", will.Payload, parseRefusal with { Detail = "will: " + parseRefusal.Detail }, receivedMs));
            return;
        }
        long reserved = value!.Length + deviceId.Length;
        if (!producer.IsReady || !buffer.TryReserve(reserved))
        {
            BridgeMetrics.DeliveryFailures.Inc();
            logger.LogWarning("The will of {DeviceId} could not be kept: the bridge buffer is full or Kafka is not ready", deviceId);
            return;
        }
        try
        {
            producer.Produce(topic!, deviceId, value, report =>
            {
                buffer.Release(reserved);
                if (report.Error.IsError)
                {
                    BridgeMetrics.DeliveryFailures.Inc();
                    logger.LogWarning("Kafka did not take the will of {DeviceId}: {Reason}", deviceId, report.Error.Reason);
                }
                else
                {
                    BridgeMetrics.MessagesAccepted.WithLabels(KindLabel(kind)).Inc();
                }
            });
        }
        catch (ProduceException<string, byte[]> e)
        {
            buffer.Release(reserved);
            logger.LogWarning("Kafka's client queue refused the will of {DeviceId}: {Reason}", deviceId, e.Error.Reason);
        }
    }
}
