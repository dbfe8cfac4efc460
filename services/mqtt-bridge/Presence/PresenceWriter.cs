using Microsoft.Extensions.Logging;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Kafka;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// Writes this instance's part of iot.presence: a device it accepted, a device that left (its persistent session
/// stays here until it expires; without one, a tombstone), and its own heartbeat. Like the connectivity events these
/// records bypass the ingest buffer: they are small, and a full buffer is when routing must stay right.
/// </summary>
public sealed class PresenceWriter(BridgeProducer producer, PresenceView view, Commands.CommandReadPositions commandsRead,
    ILogger<PresenceWriter> logger)
{
    public void Connected(string deviceId, DeviceConnection connection, bool persistent, uint sessionExpirySeconds)
    {
        var connect = connection.ConnectEvent!;
        Write(deviceId, PresenceCodec.Encode(new DevicePresence(view.Self, connect.ConnectionId, connect.TsMs, true, persistent,
            sessionExpirySeconds, null)));
    }

    /// <summary>
    /// The device's connection here ended. Written only while iot.presence still names this connection: a device
    /// another instance took over is that instance's now.
    /// </summary>
    /// <returns>False when another instance holds the device now (nothing written).</returns>
    public bool Disconnected(string deviceId, DeviceConnection connection, TimeSpan? sessionLeft)
    {
        var connect = connection.ConnectEvent!;
        if (view.TryGet(deviceId, out var current) && current.ConnectionId != connect.ConnectionId && current.SinceMs > connect.TsMs)
            return false;
        if (sessionLeft is not { } expiry || expiry <= TimeSpan.Zero)
        {
            Write(deviceId, null);
            return true;
        }
        Write(deviceId, PresenceCodec.Encode(new DevicePresence(view.Self, connect.ConnectionId, connect.TsMs, false, true,
            (uint)expiry.TotalSeconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));
        return true;
    }

    /// <summary>This instance's persistent session of the device ended here (it expired, or the device came back with a clean session elsewhere).</summary>
    public void SessionEnded(string deviceId)
    {
        if (view.TryGet(deviceId, out var current) && current.Instance == view.Self && !current.Connected)
            Write(deviceId, null);
    }

    /// <summary>This instance is alive; others count it live for <see cref="InstancePresence.MissedHeartbeats"/> intervals.</summary>
    public void Alive(TimeSpan heartbeat) =>
        Write(PresenceCodec.InstanceKey(view.Self), PresenceCodec.Encode(new InstancePresence(view.Self,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (long)heartbeat.TotalMilliseconds, ReadTo: commandsRead.Snapshot(), StartedMs: view.StartedMs,
            ReadFrom: commandsRead.From, CatchUpFrom: commandsRead.CatchUpFrom, ReadingSinceMs: commandsRead.ReadingSinceMs)));

    /// <summary>
    /// This instance stopped: the others stop counting it at once, and act on the commands it had not read (its
    /// command reader stopped before this: hosted services stop in reverse order). The next instance to start alone
    /// reads commands from here.
    /// </summary>
    public void Stopped(TimeSpan heartbeat)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Write(PresenceCodec.InstanceKey(view.Self), PresenceCodec.Encode(new InstancePresence(view.Self, now, (long)heartbeat.TotalMilliseconds, now,
            commandsRead.Snapshot(), view.StartedMs, commandsRead.From, commandsRead.CatchUpFrom, commandsRead.ReadingSinceMs)));
    }

    private void Write(string key, byte[]? value)
    {
        if (!producer.IsReady)
        {
            logger.LogDebug("Presence of {Key} not written: Kafka is not ready", key);
            return;
        }
        try
        {
            producer.Produce(producer.Topics.Presence, key, value, report =>
            {
                if (report.Error.IsError)
                    Failed(key, report.Error.Reason);
            });
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            Failed(key, e.Error.Reason);
        }
    }

    private void Failed(string key, string reason)
    {
        BridgeMetrics.ConnectivityEventsDropped.Inc();
        logger.LogWarning("Presence of {Key} was not written to Kafka: {Reason}", key, reason);
    }
}
