using System.Buffers;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.Policy;
using Pipeline.MqttBridge.Shadows;

namespace Pipeline.MqttBridge.Ingest;

/// <summary>
/// What happens to a device's PUBLISH: policy, size, rate, parsing, then Kafka. A QoS 1/2 publish
/// is acknowledged only from the Kafka delivery report (acks=all); a refusal is acknowledged with
/// its MQTT 5 reason code and recorded in iot.rejected. MQTT 3.1.1 has no reason codes: a refused
/// QoS 1 publish is dropped, counted, recorded and acknowledged (as Mosquitto does for ACL denials)
/// so the device does not resend it forever.
/// </summary>
public sealed partial class PublishIngest(
    BridgeProducer producer,
    IngestBuffer buffer,
    TokenBucketRateLimiter rateLimiter,
    IOptions<LimitsOptions> limits,
    IOptions<BridgeOptions> bridge,
    Pipeline.DeviceRegistry.DeviceRegistryView registry,
    FullWindowSender fullWindows,
    ILogger<PublishIngest> logger) : IPublishIngest
{
    public const string ProtobufContentType = "application/x-protobuf";

    // Bound once: WithLabels looks its labels up (and allocates their array) on every call, twice per message.
    private static readonly Prometheus.Counter.Child TelemetryQos1In = BridgeMetrics.MessagesIn.WithLabels("telemetry", "1");
    private static readonly Prometheus.Counter.Child TelemetryAccepted = BridgeMetrics.MessagesAccepted.WithLabels("telemetry");

    private readonly int _maxPayload = limits.Value.MaxPayloadBytes;
    private readonly string _instance = bridge.Value.InstanceId;
    private readonly long _registrySnapshotWindowMs = (long)bridge.Value.RegistrySnapshotWindow.TotalMilliseconds;
    private volatile bool _draining;

    /// <summary>Set at shutdown: new publishes are neither taken nor acknowledged, so devices resend them elsewhere.</summary>
    public void StartDraining() => _draining = true;

    public async ValueTask HandleAsync(DeviceConnection connection, MqttPublishPacket publish, CancellationToken cancellationToken)
    {
        if (_draining)
            return;
        var session = connection.Session!;
        var receivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var qos = publish.QualityOfServiceLevel;
        if (publish.Retain)
        {
            // Refused before it takes an in-flight slot: it gets no PUBACK, the connection is closed instead.
            RefuseRetain(connection, publish, receivedMs);
            return;
        }
        AckSequencer.Ticket? ticket = null;
        if (qos != MqttQualityOfServiceLevel.AtMostOnce)
        {
            // The in-flight window: when it is full the bridge stops reading this connection.
            await connection.InFlight.TakeAsync(cancellationToken).ConfigureAwait(false);
            ticket = connection.Acks.Enqueue(publish.PacketIdentifier, qos);
        }

        var (kind, refusal) = TopicPolicy.ClassifyPublish(session.DeviceId, publish.Topic);
        (refusal is null && kind == TopicKind.Telemetry && qos == MqttQualityOfServiceLevel.AtLeastOnce
            ? TelemetryQos1In
            : BridgeMetrics.MessagesIn.WithLabels(refusal is null ? KindLabel(kind) : "other", QosLabel(qos))).Inc();
        DeviceRecord? accepting = null;
        if (refusal is null && !session.TryGetAcceptingRecord(out accepting))
            refusal = Refusal.NotAuthorized("the device is revoked or no longer registered");
        refusal ??= CheckLimits(session, publish);
        if (refusal is not null)
        {
            Refuse(connection, ticket, publish, refusal, receivedMs);
            return;
        }

        var (topic, value, refusalFromParse) = Encode(kind, session.DeviceId, publish, receivedMs, accepting!);
        if (refusalFromParse is not null)
        {
            Refuse(connection, ticket, publish, refusalFromParse, receivedMs);
            return;
        }

        long reserved = value!.Length + session.DeviceId.Length;
        if (connection.ProtocolVersion == MqttProtocolVersion.V500)
        {
            if (!buffer.TryReserve(reserved))
            {
                Refuse(connection, ticket, publish, Refusal.BufferFull(
                    $"the bridge is holding {buffer.UsedBytes} bytes for Kafka (limit {buffer.CapacityBytes}); retry later"), receivedMs);
                return;
            }
        }
        else
        {
            await buffer.ReserveAsync(reserved, cancellationToken).ConfigureAwait(false);
        }
        BridgeMetrics.BufferBytes.Set(buffer.UsedBytes);

        try
        {
            producer.Produce(topic!, session.DeviceId, value, report => OnDelivered(connection, ticket, kind, reserved, report));
            // This device can send nothing more until its PUBACKs come; when no other device can either, the linger is only delay.
            if (ticket is not null && connection.InFlight.IsFull)
                fullWindows.Produced();
        }
        catch (ProduceException<string, byte[]> e)
        {
            buffer.Release(reserved);
            Refuse(connection, ticket, publish, Refusal.BufferFull($"Kafka's client queue refused the record: {e.Error.Reason}"), receivedMs);
        }
    }

    private Refusal? CheckLimits(DeviceSession session, MqttPublishPacket publish)
    {
        if (publish.Payload.Length > _maxPayload)
            return Refusal.TooLarge($"payload of {publish.Payload.Length} bytes exceeds the limit of {_maxPayload} bytes");
        var rate = session.RatePerSecond;
        if (!rateLimiter.TryTake(session.DeviceId, rate))
            return Refusal.RateLimited($"more than {rate:0.###} messages per second");
        return null;
    }

    private (string? Topic, byte[]? Value, Refusal? Refusal) Encode(TopicKind kind, string deviceId, MqttPublishPacket publish, long receivedMs, DeviceRecord accepting)
    {
        if (kind == TopicKind.Telemetry)
        {
            var parsed = ParseTelemetry(deviceId, publish, receivedMs);
            if (parsed.Refusal is not null)
                return (null, null, parsed.Refusal);
            var record = parsed.Value!;
            // Never 0 for a record this bridge accepted, also for a registry record written before updated_ts_ms existed.
            record.AcceptedUnderRegistryTsMs = Math.Max(1, accepting.UpdatedTsMs > 0 ? accepting.UpdatedTsMs : accepting.CreatedTsMs);
            if (receivedMs - record.AcceptedUnderRegistryTsMs < _registrySnapshotWindowMs)
                record.AcceptedUnder = new TelemetryRecord.Types.RegistrySnapshot { Attributes = { accepting.Attributes } };
            return (producer.Topics.TelemetryRaw, ProtobufSerializer<TelemetryRecord>.Encode(record, producer.TelemetrySchemaId), null);
        }
        if (kind == TopicKind.Shadow)
        {
            // The shadow writer answers malformed or oversized documents itself (400/413 on .../rejected), as AWS IoT does.
            var request = ShadowRequests.From(deviceId, publish.Topic[TopicPolicy.Prefix(deviceId).Length..], publish.Payload, receivedMs, _instance);
            return (producer.Topics.ShadowRequests, ProtobufSerializer<ShadowRequest>.Encode(request, producer.ShadowRequestSchemaId), null);
        }
        var parsedEvent = EventParser.Parse(publish.Payload);
        if (parsedEvent.Refusal is not null)
            return (null, null, parsedEvent.Refusal);
        var deviceEvent = RecordFactory.Event(deviceId, publish.Topic, parsedEvent.Value!, receivedMs, _instance);
        return (producer.Topics.EventsRaw, ProtobufSerializer<DeviceEvent>.Encode(deviceEvent, producer.EventSchemaId), null);
    }

    private ParseResult<TelemetryRecord> ParseTelemetry(string deviceId, MqttPublishPacket publish, long receivedMs)
    {
        if (!string.Equals(publish.ContentType, ProtobufContentType, StringComparison.OrdinalIgnoreCase))
            return RecordFactory.TelemetryFromJson(deviceId, publish.Topic, publish.Payload, receivedMs, _instance);
        var message = TelemetryParser.ParseProtobuf(publish.Payload);
        return message.Refusal is { } refusal ? refusal : RecordFactory.Telemetry(deviceId, publish.Topic, message.Value!, receivedMs, _instance);
    }

    private void OnDelivered(DeviceConnection connection, AckSequencer.Ticket? ticket, TopicKind kind, long reserved, DeliveryReport<string, byte[]> report)
    {
        buffer.Release(reserved);
        BridgeMetrics.BufferBytes.Set(buffer.UsedBytes);
        if (!report.Error.IsError)
        {
            (kind == TopicKind.Telemetry ? TelemetryAccepted : BridgeMetrics.MessagesAccepted.WithLabels(KindLabel(kind))).Inc();
            if (ticket is not null)
                connection.Acks.Complete(ticket, MqttPubAckReasonCode.Success);
            return;
        }
        // Never acknowledge what Kafka did not take. Closing the connection makes the device resend
        // its unacknowledged publishes when it reconnects (the in-order ack queue is stuck anyway).
        BridgeMetrics.DeliveryFailures.Inc();
        logger.LogWarning("Kafka did not take a record from {DeviceId}: {Reason}; disconnecting the device so it resends",
            connection.Session?.DeviceId, report.Error.Reason);
        ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.AbortAsync(MqttDisconnectReasonCode.ServerBusy, "Kafka is unavailable"), connection, preferLocal: false);
    }

    /// <summary>
    /// Retained messages of devices' topics are set by applications (iot.retained), never by devices: the publish is
    /// recorded in iot.rejected and the connection closed, MQTT 5 devices first getting DISCONNECT 0x9A Retain not
    /// supported (MQTT 5 3.3.1.3; their CONNACK said Retain Available = 0). MQTT 3.1.1 has no code to say it with.
    /// </summary>
    private void RefuseRetain(DeviceConnection connection, MqttPublishPacket publish, long receivedMs)
    {
        var refusal = Refusal.RetainNotSupported(
            "the retain flag is not supported on device publishes: retained messages are set by applications (commands send --retain)");
        BridgeMetrics.Rejects.WithLabels(refusal.MetricLabel).Inc();
        WriteRejected(RecordFactory.Rejected(connection.Session!.DeviceId, publish.Topic ?? "", publish.Payload, refusal, receivedMs));
        ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.AbortAsync(MqttDisconnectReasonCode.RetainNotSupported, "Retain not supported"), connection, preferLocal: false);
    }

    private void Refuse(DeviceConnection connection, AckSequencer.Ticket? ticket, MqttPublishPacket publish, Refusal refusal, long receivedMs)
    {
        BridgeMetrics.Rejects.WithLabels(refusal.MetricLabel).Inc();
        WriteRejected(RecordFactory.Rejected(connection.Session!.DeviceId, publish.Topic ?? "", publish.Payload, refusal, receivedMs));
        if (ticket is null)
            return;
        var code = connection.ProtocolVersion == MqttProtocolVersion.V500 ? refusal.Code : MqttPubAckReasonCode.Success;
        connection.Acks.CompleteImmediately(ticket, code, refusal.Detail);
    }

    public void RecordRefusal(string deviceId, string topic, Refusal refusal)
    {
        BridgeMetrics.Rejects.WithLabels(refusal.MetricLabel).Inc();
        WriteRejected(RecordFactory.Rejected(deviceId, topic, default, refusal, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    }

    /// <summary>Writes a refusal to iot.rejected, best effort and within the same byte budget as accepted records.</summary>
    public void WriteRejected(RejectedMessage rejected)
    {
        var value = ProtobufSerializer<RejectedMessage>.Encode(rejected, producer.RejectedSchemaId);
        long reserved = value.Length + rejected.DeviceId.Length;
        if (!producer.IsReady || !buffer.TryReserve(reserved))
        {
            BridgeMetrics.RejectedRecordsDropped.Inc();
            return;
        }
        try
        {
            producer.Produce(producer.Topics.Rejected, rejected.DeviceId, value, report =>
            {
                buffer.Release(reserved);
                if (report.Error.IsError)
                    BridgeMetrics.RejectedRecordsDropped.Inc();
            });
        }
        catch (ProduceException<string, byte[]>)
        {
            buffer.Release(reserved);
            BridgeMetrics.RejectedRecordsDropped.Inc();
        }
    }

    private static string KindLabel(TopicKind kind) => kind switch
    {
        TopicKind.Telemetry => "telemetry",
        TopicKind.Shadow => "shadow",
        _ => "events",
    };

    private static string QosLabel(MqttQualityOfServiceLevel qos) => qos switch
    {
        MqttQualityOfServiceLevel.AtMostOnce => "0",
        MqttQualityOfServiceLevel.AtLeastOnce => "1",
        _ => "2",
    };
}
