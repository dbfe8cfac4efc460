using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Carries out a command this instance answers (<see cref="CommandRouting"/>): publishes it (at its QoS, 1 when the
/// record has none) to devices/&lt;id&gt;/commands when the device is connected here or has a persistent session here
/// (MQTTnet then delivers it on reconnect, unless its message expiry passed), queues it in the device's stored session
/// when it is away, and records one outcome: sent, offline, expired or unknown_device (delivered comes with the PUBACK).
/// </summary>
public sealed class CommandDelivery(
    BridgeServer bridgeServer,
    ConnectedDevices connected,
    DeviceRegistryView registry,
    CommandOutcomes outcomes,
    PresenceView presence,
    DurableSessionKeeper sessions,
    DurableSessions storedSessions,
    LateQueuedCommands lateQueued,
    IOptions<CommandsOptions> options,
    ILogger<CommandDelivery> logger)
{
    internal async Task DeliverAsync(DeviceCommand command, string deviceId, Timestamp kafkaTimestamp, CommandRoute route, CancellationToken stopping)
    {
        var now = route.NowMs;
        var expires = ExpiresAt(command, kafkaTimestamp, options.Value.DefaultExpiry);
        if (expires <= now)
        {
            outcomes.Record(deviceId, command.CommandId, "expired",
                $"expired at {DateTimeOffset.FromUnixTimeMilliseconds(expires):O}, before this bridge could send it");
            return;
        }
        if (!DeviceIds.IsValid(deviceId) || !registry.TryGet(deviceId, out var device) || device.Revoked)
        {
            outcomes.Record(deviceId, command.CommandId, "unknown_device");
            return;
        }
        var qos = command.HasQos && command.Qos == 0 ? 0 : 1;
        var payload = command.Payload.ToByteArray();
        var contentType = string.IsNullOrEmpty(command.ContentType) ? null : command.ContentType;
        string? detail = null;
        if (!connected.TryGet(deviceId, out _))
        {
            // Away with a persistent session: queued in iot.sessions, so it survives this instance and follows the
            // device to whichever instance it resumes at; and in MQTTnet's own session when it is kept here. With other
            // instances live, the session's last writes may be another instance's (it queued a command just before it
            // stopped): read them first, so that this change keeps them.
            if (qos == 1 && presence.OthersLive(now) && !storedSessions.CatchUp(CommandRouting.SettleLimit, stopping))
                logger.LogWarning("Queuing the command for {DeviceId} without knowing that every write of its stored session was read: Kafka did not answer within {Limit}",
                    deviceId, CommandRouting.SettleLimit);
            var stored = qos == 1 && sessions.Queue(deviceId, new QueuedCommand(command.CommandId, payload, qos, contentType, expires));
            if (!stored && !route.HasSession)
            {
                outcomes.Record(deviceId, command.CommandId, "offline");
                return;
            }
            detail = "queued in the device's persistent session";
            if (!route.HasSession)
            {
                outcomes.Record(deviceId, command.CommandId, "sent", detail);
                return;
            }
        }
        // Recorded first: once injected, the device can acknowledge it ("delivered", on its connection's thread)
        // before this method continues, and the history would say delivered before sent.
        outcomes.Record(deviceId, command.CommandId, "sent", detail);
        // Not cancelled by a shutdown: injecting only enqueues the message, and the command read must get its outcome.
        await bridgeServer.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(
            CommandMessages.Build(deviceId, command.CommandId, payload, qos, contentType, expires, now)), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// When the command stops being deliverable: its own expiry, else the default expiry after its creation
    /// (or, for a record without a creation time, after Kafka's timestamp of it).
    /// </summary>
    public static long ExpiresAt(DeviceCommand command, Timestamp kafkaTimestamp, TimeSpan defaultExpiry)
    {
        if (command.ExpiresTsMs != 0)
            return command.ExpiresTsMs;
        var created = command.CreatedTsMs != 0 ? command.CreatedTsMs
            : kafkaTimestamp.Type != TimestampType.NotAvailable ? kafkaTimestamp.UnixTimestampMs
            : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return created + (long)defaultExpiry.TotalMilliseconds;
    }

    /// <summary>
    /// Another instance queued commands in the stored session of a device that is connected here with a persistent
    /// session (<see cref="LateQueuedCommands"/>): delivered now, and the stored queue emptied.
    /// </summary>
    internal void OnSessionRead(string deviceId, DurableSession session)
    {
        if (session.Queued.Count == 0 || !connected.TryGet(deviceId, out var connection) || !connection.PresencePersistent)
            return;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var late = lateQueued.Take(deviceId, session, now);
        if (late.Count == 0)
            return;
        storedSessions.Save(deviceId, session with { Instance = presence.Self, DisconnectedAtMs = null, Queued = [] });
        logger.LogInformation("Delivering {Count} commands queued in the stored session of {DeviceId} after it connected here", late.Count, deviceId);
        _ = DeliverLateAsync(deviceId, late, now);
    }

    private async Task DeliverLateAsync(string deviceId, IReadOnlyList<QueuedCommand> late, long nowMs)
    {
        try
        {
            foreach (var queued in late)
                await bridgeServer.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(
                    CommandMessages.Build(deviceId, queued.CommandId, queued.Payload, queued.Qos, queued.ContentType, queued.ExpiresAtMs, nowMs)))
                    .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Delivering commands queued late for {DeviceId} failed", deviceId);
        }
    }
}
