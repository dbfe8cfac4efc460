using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.MqttBridge.Commands;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// Keeps each persistent session in iot.sessions (<see cref="DurableSessions"/>) as it changes: its subscriptions,
/// its expiry once the device left, and the commands queued while it was away. A device that resumes its session
/// at an instance that does not have it in memory (it left another one, or its instance was killed) gets it back
/// from there: session present in CONNACK, its subscriptions, and the queued commands that have not expired.
/// MQTTnet's in-memory session still serves a device that comes back to the same instance.
/// </summary>
public sealed class DurableSessionKeeper(DurableSessions sessions, PresenceView presence, LateQueuedCommands late, ILogger<DurableSessionKeeper> logger)
{
    /// <summary>
    /// An accepted CONNECT. Returns the stored session the bridge must restore (null: none to resume, or MQTTnet
    /// resumes its own). A clean start, a session that ends with the connection, or an expired one discards it.
    /// </summary>
    public DurableSession? Connected(string deviceId, bool cleanStart, TimeSpan expiry, bool sessionInMemory)
    {
        var now = Now();
        if (!sessions.TryGet(deviceId, out var stored))
            return null;
        if (cleanStart || expiry <= TimeSpan.Zero || stored.ExpiredAt(now, presence.LastAlive(stored.Instance)))
        {
            sessions.Remove(deviceId);
            return null;
        }
        // The queue is handed over now, by MQTTnet (its own copy) or by RestoreAsync.
        late.HandedOver(deviceId, stored.Queued.Select(q => q.CommandId), now);
        sessions.Save(deviceId, stored with { Instance = presence.Self, ExpirySeconds = (uint)expiry.TotalSeconds, DisconnectedAtMs = null, Queued = [] });
        return sessionInMemory ? null : stored;
    }

    /// <summary>Whether iot.sessions holds a session of the device (only then does <see cref="Connected"/> need to know about MQTTnet's own).</summary>
    public bool HasStored(string deviceId) => sessions.TryGet(deviceId, out _);

    /// <summary>Once the device is connected: its subscriptions back, then what was queued for it, in order.</summary>
    public async Task RestoreAsync(MqttServer server, string deviceId, DurableSession stored)
    {
        if (stored.Subscriptions.Count > 0)
            await server.SubscribeAsync(deviceId, stored.Subscriptions
                .Select(s => new MqttTopicFilterBuilder().WithTopic(s.Topic).WithQualityOfServiceLevel((MqttQualityOfServiceLevel)s.Qos).Build())
                .ToArray()).ConfigureAwait(false);
        var now = Now();
        var live = stored.Queued.Where(q => q.ExpiresAtMs > now).ToList();
        foreach (var queued in live)
            await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(
                CommandMessages.Build(deviceId, queued.CommandId, queued.Payload, queued.Qos, queued.ContentType, queued.ExpiresAtMs, now))).ConfigureAwait(false);
        logger.LogInformation("Session of {DeviceId} resumed from iot.sessions (left at {Instance}): {Subscriptions} subscriptions, {Queued} queued commands ({Expired} expired)",
            deviceId, stored.Instance, stored.Subscriptions.Count, live.Count, stored.Queued.Count - live.Count);
    }

    public void Subscribed(string deviceId, string topic, int qos, uint expirySeconds)
    {
        var current = Current(deviceId, expirySeconds);
        if (current.Subscriptions.Contains(new DurableSubscription(topic, qos)))
            return;
        sessions.Save(deviceId, current with { Subscriptions = [.. current.Subscriptions.Where(s => s.Topic != topic), new DurableSubscription(topic, qos)] });
    }

    public void Unsubscribed(string deviceId, string topic)
    {
        if (sessions.TryGet(deviceId, out var current) && current.Subscriptions.Any(s => s.Topic == topic))
            sessions.Save(deviceId, current with { Subscriptions = [.. current.Subscriptions.Where(s => s.Topic != topic)] });
    }

    /// <summary>The device's connection here ended; <paramref name="left"/> is how long its session is kept (null: not at all).</summary>
    public void Disconnected(string deviceId, TimeSpan? left)
    {
        if (left is not { } expiry || expiry <= TimeSpan.Zero)
        {
            sessions.Remove(deviceId);
            return;
        }
        sessions.Save(deviceId, Current(deviceId, (uint)expiry.TotalSeconds) with
        {
            Instance = presence.Self, ExpirySeconds = (uint)expiry.TotalSeconds, DisconnectedAtMs = Now(),
        });
    }

    /// <summary>Queues a command in the device's stored session; false when it has none (or it expired, or is full).</summary>
    public bool Queue(string deviceId, QueuedCommand command)
    {
        var now = Now();
        if (!sessions.TryGet(deviceId, out var stored) || stored.ExpiredAt(now, presence.LastAlive(stored.Instance)))
            return false;
        var queued = stored.Queued.Where(q => q.ExpiresAtMs > now).ToList();
        if (queued.Count >= DurableSession.MaxQueued)
            return false;
        sessions.Save(deviceId, stored with { Queued = [.. queued, command] });
        return true;
    }

    /// <summary>This instance's in-memory session of the device expired: so did the stored one.</summary>
    public void Expired(string deviceId)
    {
        if (sessions.TryGet(deviceId, out var stored) && stored.Instance == presence.Self && stored.DisconnectedAtMs is not null)
            sessions.Remove(deviceId);
    }

    private DurableSession Current(string deviceId, uint expirySeconds) =>
        sessions.TryGet(deviceId, out var current) ? current : new DurableSession(presence.Self, [], expirySeconds, null, []);

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
