using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// Writes device connects and disconnects, and this instance's start, heartbeats and stop, to
/// iot.connectivity. These records do not take space from the ingest buffer: they are few and small,
/// and a full buffer (Kafka slow) is exactly when a disconnect must not be dropped. A record Kafka
/// refuses is logged and counted, never retried by the device (no device waits for it).
/// </summary>
public sealed class ConnectivityRecorder(BridgeProducer producer, IOptions<BridgeOptions> bridge, ILogger<ConnectivityRecorder> logger)
{
    private readonly string _instance = bridge.Value.InstanceId;

    public string Instance => _instance;

    /// <summary>Records an accepted CONNECT; the returned record is kept with the connection for its disconnect.</summary>
    public ConnectRecord Connected(string deviceId, EndPoint? client, MqttProtocolVersion protocol, string transport,
        bool cleanSession, uint sessionExpirySeconds, string how)
    {
        var connect = new ConnectRecord(deviceId, ConnectionIds.Next(), Now(), client, ProtocolName(protocol), transport, cleanSession,
            sessionExpirySeconds, how);
        Write(deviceId, Event(connect, ConnectivityEvent.Types.Kind.Connected, how, connect.TsMs));
        return connect;
    }

    /// <summary>Records the end of the connection that <paramref name="connect"/> began.</summary>
    /// <param name="endedAtMs">When its end began (the device's DISCONNECT read, the bridge closing it); 0: now.</param>
    public void Disconnected(ConnectRecord connect, string reason, long endedAtMs = 0) =>
        Write(connect.DeviceId, Event(connect, ConnectivityEvent.Types.Kind.Disconnected, reason, endedAtMs > 0 ? endedAtMs : Now()));

    private ConnectivityEvent Event(ConnectRecord connect, ConnectivityEvent.Types.Kind kind, string reason, long tsMs) => new()
    {
        Kind = kind,
        DeviceId = connect.DeviceId,
        Instance = _instance,
        ConnectionId = connect.ConnectionId,
        Reason = reason,
        ClientAddress = connect.Client?.ToString() ?? "",
        Protocol = connect.Protocol,
        Transport = connect.Transport,
        CleanSession = connect.CleanSession,
        SessionExpirySeconds = connect.SessionExpirySeconds,
        TsMs = tsMs,
    };

    /// <summary>This instance started, is alive, or stopped (device_id empty, key "bridge/&lt;instance&gt;").</summary>
    public void InstanceEvent(ConnectivityEvent.Types.Kind kind, TimeSpan heartbeatInterval) =>
        Write("bridge/" + _instance, new ConnectivityEvent
        {
            Kind = kind,
            Instance = _instance,
            TsMs = Now(),
            HeartbeatIntervalMs = (long)heartbeatInterval.TotalMilliseconds,
        });

    public static string ProtocolName(MqttProtocolVersion protocol) => protocol switch
    {
        MqttProtocolVersion.V500 => "mqtt-5",
        MqttProtocolVersion.V311 => "mqtt-3.1.1",
        MqttProtocolVersion.V310 => "mqtt-3.1",
        _ => "mqtt",
    };

    private void Write(string key, ConnectivityEvent record)
    {
        if (!producer.IsReady)
        {
            logger.LogDebug("Connectivity event {Kind} for {Key} not written: Kafka is not ready", record.Kind, key);
            return;
        }
        try
        {
            var value = ProtobufSerializer<ConnectivityEvent>.Encode(record, producer.ConnectivitySchemaId);
            producer.Produce(producer.Topics.Connectivity, key, value, report =>
            {
                if (report.Error.IsError)
                    Failed(record, key, report.Error.Reason);
            });
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            Failed(record, key, e.Error.Reason);
        }
    }

    private void Failed(ConnectivityEvent record, string key, string reason)
    {
        BridgeMetrics.ConnectivityEventsDropped.Inc();
        logger.LogWarning("Connectivity event {Kind} for {Key} was not written to Kafka: {Reason}", record.Kind, key, reason);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
