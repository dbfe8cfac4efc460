using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;
using Pipeline.MqttBridge.Connections;

namespace Pipeline.MqttBridge.Hosting;

/// <summary>
/// Once a second, deletes the persistent sessions whose device has been away longer than the
/// session's expiry (<see cref="SessionExpiry"/>): their subscriptions and queued commands go, and
/// the device's next CONNECT gets session present = false. Commands for it are then recorded as
/// <c>offline</c> instead of waiting in a session nobody will resume.
/// </summary>
public sealed class SessionExpirySweeper(BridgeServer bridge, SessionExpiry expiry, ConnectedDevices connected, Presence.PresenceWriter presence,
    DurableSessionKeeper durableSessions, ILogger<SessionExpirySweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await SweepAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Expiring persistent sessions failed; trying again in {Interval}", Interval);
            }
        }
    }

    public async Task SweepAsync()
    {
        if (!bridge.IsStarted)
            return;
        foreach (var deviceId in expiry.Due())
        {
            // Forget first: a device that connected again since Due() replaced its entry and is kept.
            if (!expiry.Forget(deviceId) || connected.TryGet(deviceId, out _))
                continue;
            presence.SessionEnded(deviceId);
            durableSessions.Expired(deviceId);
            MqttSessionStatus? session;
            try
            {
                session = await bridge.Server.GetSessionAsync(deviceId).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                continue; // MQTTnet 5.2 throws for an id it has no session for (already gone)
            }
            if (session is null)
                continue;
            await session.DeleteAsync().ConfigureAwait(false);
            BridgeMetrics.SessionsExpired.Inc();
            logger.LogInformation("Persistent session of {DeviceId} expired ({Pending} queued messages discarded)", deviceId, session.PendingApplicationMessagesCount);
        }
        BridgeMetrics.SessionsWaiting.Set(expiry.Waiting);
    }
}
