using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.Policy;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Hosting;

/// <summary>The bridge's handlers on MQTTnet's server events: CONNECT authentication, subscription policy, and the publish safety net.</summary>
public sealed class MqttServerEvents(
    DeviceAuthenticator authenticator,
    DeviceRegistryView registry,
    ConnectedDevices connected,
    PublishIngest ingest,
    SessionExpiry sessionExpiry,
    Wills.WillPublisher wills,
    ConnectivityRecorder connectivity,
    PresenceWriter presence,
    DurableSessionKeeper durableSessions,
    DeviceHandover handover,
    IOptions<LimitsOptions> limits,
    ILogger<MqttServerEvents> logger)
{
    private MqttServer? _server;

    public void Attach(MqttServer server)
    {
        _server = server;
        server.ValidatingConnectionAsync += OnValidatingConnection;
        server.ClientConnectedAsync += OnClientConnected;
        server.InterceptingSubscriptionAsync += OnSubscribing;
        server.InterceptingUnsubscriptionAsync += OnUnsubscribing;
        server.InterceptingPublishAsync += OnPublishReachingServer;
        if (!MqttNetFootprint.Active)
            logger.LogWarning("This MQTTnet's connection internals are not the ones the bridge trims (MqttNetFootprint): each idle connection keeps about 1 KiB more");
    }

    private async Task OnValidatingConnection(ValidatingConnectionEventArgs e)
    {
        if (await ValidateAsync(e).ConfigureAwait(false) is { } accepted)
        {
            MqttNetFootprint.TrimSessionItems(e);
            MqttNetFootprint.ForgetPassword(e);
            // MQTTnet's session look-up throws for an id it does not hold (most first connects): asked only when
            // iot.sessions holds a session of the device, the one case where the answer matters.
            var inMemory = durableSessions.HasStored(accepted.DeviceId) && await HasSessionInMemoryAsync(accepted.DeviceId).ConfigureAwait(false);
            accepted.Connection.ResumeFrom = durableSessions.Connected(accepted.DeviceId, e.CleanSession ?? true, accepted.Expiry, inMemory);
        }
    }

    // After CONNACK: a session resumed from iot.sessions gets its subscriptions and queued commands back.
    private async Task OnClientConnected(ClientConnectedEventArgs e)
    {
        if (_server is null || !connected.TryGet(e.ClientId, out var connection) || connection.ResumeFrom is not { } stored)
            return;
        connection.ResumeFrom = null;
        try
        {
            await durableSessions.RestoreAsync(_server, e.ClientId, stored).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Restoring the stored session of {DeviceId} failed", e.ClientId);
        }
    }

    private async Task<bool> HasSessionInMemoryAsync(string deviceId)
    {
        try
        {
            return _server is not null && await _server.GetSessionAsync(deviceId).ConfigureAwait(false) is not null;
        }
        catch (InvalidOperationException)
        {
            return false; // MQTTnet 5.2 throws for an id it has no session for
        }
    }

    private async Task<(string DeviceId, DeviceConnection Connection, TimeSpan Expiry)?> ValidateAsync(ValidatingConnectionEventArgs e)
    {
        var connection = e.ChannelAdapter as DeviceConnection;
        var remote = e.RemoteEndPoint as IPEndPoint;
        var decision = await authenticator.AuthenticateAsync(new ConnectAttempt(
            e.ClientId, e.UserName, e.Password, connection?.CertificateDeviceId, remote?.Address)).ConfigureAwait(false);
        if (!decision.Accepted || connection is null)
        {
            e.ReasonCode = decision.Accepted ? MqttConnectReasonCode.ImplementationSpecificError : decision.Code;
            if (e.ProtocolVersion == MqttProtocolVersion.V500)
                e.ReasonString = decision.Reason;
            BridgeMetrics.ConnectsRefused.WithLabels(decision.MetricLabel).Inc();
            // The client id is whatever the peer claimed; it is logged, the password never is.
            logger.LogInformation("CONNECT from {Remote} (client id '{ClientId}') refused: {Reason}",
                remote, Truncate(e.ClientId), decision.Reason);
            return null;
        }
        var deviceId = decision.DeviceId!;
        if (connection.Will is { } will && WillRefusal(deviceId, will) is { } willRefusal)
        {
            // MQTT 5 3.1.2.5: a will the server will not publish is refused at CONNECT, not accepted and dropped.
            // MQTT 3.1.1 has no 0x9A; its "not authorized" return code is the closest.
            e.ReasonCode = e.ProtocolVersion == MqttProtocolVersion.V500 ? willRefusal.Code : MqttConnectReasonCode.NotAuthorized;
            if (e.ProtocolVersion == MqttProtocolVersion.V500)
                e.ReasonString = willRefusal.Reason;
            BridgeMetrics.ConnectsRefused.WithLabels("will_refused").Inc();
            logger.LogInformation("CONNECT of {DeviceId} from {Remote} refused: {Reason}", deviceId, remote, willRefusal.Reason);
            return null;
        }
        // After the clean-up of the device's connection that is ending, if one is (DeviceHandover): its will, presence and
        // disconnect row come before this connection's, and MQTTnet's clean-up of the id cannot close this one.
        connection.HoldConnectTurn(await handover.EnterAsync(deviceId).ConfigureAwait(false));
        wills.Cancel(deviceId);
        connection.Authenticated(new DeviceSession(deviceId, registry, limits.Value.RateLimitPerSecond));
        var expiry = sessionExpiry.Effective(e.ProtocolVersion, e.SessionExpiryInterval, e.CleanSession ?? true);
        sessionExpiry.Connected(deviceId, expiry);
        // MQTT 5 3.2.2.3.2: a server that uses another interval than the device asked for says so in CONNACK.
        if (e.ProtocolVersion == MqttProtocolVersion.V500 && e.SessionExpiryInterval != (uint)expiry.TotalSeconds)
            connection.ConnAckSessionExpiryInterval = (uint)expiry.TotalSeconds;
        connected.Add(deviceId, connection);
        connection.ConnectEvent = connectivity.Connected(deviceId, e.RemoteEndPoint, e.ProtocolVersion,
            connection.Listener, e.CleanSession ?? true, (uint)expiry.TotalSeconds,
            connection.CertificateDeviceId is null ? "token" : "client certificate");
        connection.PresencePersistent = expiry > TimeSpan.Zero;
        connection.PresenceSessionExpirySeconds = (uint)expiry.TotalSeconds;
        presence.Connected(deviceId, connection, connection.PresencePersistent, connection.PresenceSessionExpirySeconds);
        BridgeMetrics.Connections.WithLabels(connection.Listener).Inc();
        logger.LogDebug("Device {DeviceId} connected from {Remote} over {Listener}", deviceId, remote, connection.Listener);
        return (deviceId, connection, expiry);
    }

    /// <summary>
    /// A will must be a publish the device may make (its own telemetry, events or shadow topics): else 0x87 Not
    /// authorized. A retained will: 0x9A Retain not supported, as for a retained publish (CONNACK says Retain Available = 0).
    /// </summary>
    public static (MqttConnectReasonCode Code, string Reason)? WillRefusal(string deviceId, Wills.WillMessage will)
    {
        if (TopicPolicy.ClassifyPublish(deviceId, will.Topic).Refusal is { } refusal)
            return (MqttConnectReasonCode.NotAuthorized, "will topic refused: " + refusal.Detail);
        if (will.Retain)
            return (MqttConnectReasonCode.RetainNotSupported, "a will cannot be retained: devices cannot set retained messages");
        return null;
    }

    private Task OnSubscribing(InterceptingSubscriptionEventArgs e)
    {
        var refusal = TopicPolicy.CheckSubscription(e.ClientId, e.TopicFilter.Topic);
        var connection = connected.TryGet(e.ClientId, out var c) ? c : null;
        if (refusal is null && connection is not null
            && !connection.Subscriptions.TryAdd(e.TopicFilter.Topic, connection.Limits.MaxSubscriptions))
            refusal = Refusal.SubscriptionQuota($"this connection already holds {connection.Limits.MaxSubscriptions} subscriptions (the limit)");
        if (refusal is null)
        {
            if (connection is { PresencePersistent: true })
                durableSessions.Subscribed(e.ClientId, e.TopicFilter.Topic, (int)e.TopicFilter.QualityOfServiceLevel, connection.PresenceSessionExpirySeconds);
            return Task.CompletedTask;
        }
        e.ProcessSubscription = false;
        e.Response.ReasonCode = refusal.SubscribeCode;
        e.Response.ReasonString = refusal.Detail;
        BridgeMetrics.Rejects.WithLabels(refusal.MetricLabel).Inc();
        ingest.WriteRejected(RecordFactory.Rejected(e.ClientId, e.TopicFilter.Topic ?? "", default, refusal with { Detail = "subscribe: " + refusal.Detail },
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        return Task.CompletedTask;
    }

    private Task OnUnsubscribing(InterceptingUnsubscriptionEventArgs e)
    {
        if (connected.TryGet(e.ClientId, out var connection))
        {
            connection.Subscriptions.Remove(e.Topic);
            if (connection.PresencePersistent)
                durableSessions.Unsubscribed(e.ClientId, e.Topic);
        }
        return Task.CompletedTask;
    }

    // Device publishes never reach here (the connection wrapper takes them, and wills too: Wills/WillPublisher).
    // Commands are injected without a sender and pass; anything else from a client is refused.
    private Task OnPublishReachingServer(InterceptingPublishEventArgs e)
    {
        if (!string.IsNullOrEmpty(e.ClientId))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        }
        return Task.CompletedTask;
    }

    private static string? Truncate(string? text) => text is { Length: > 64 } ? text[..64] + "..." : text;
}
