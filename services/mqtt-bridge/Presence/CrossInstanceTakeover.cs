using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// One connection per device across the fleet. When iot.presence says the device connected to another instance
/// after its connection here began, this instance closes its own with MQTT 5 reason 0x8E (session taken over), as a
/// single broker does, and drops the session it kept here (the other instance holds the device now). When a stale
/// record (an older connection's disconnect) covers the connection this instance holds, it writes its own again.
/// </summary>
public sealed class CrossInstanceTakeover(PresenceView view, PresenceWriter writer, ConnectedDevices connected, BridgeServer bridge,
    SessionExpiry sessionExpiry, ILogger<CrossInstanceTakeover> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        view.DeviceChanged += OnDeviceChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        view.DeviceChanged -= OnDeviceChanged;
        return Task.CompletedTask;
    }

    private void OnDeviceChanged(string deviceId, DevicePresence? presence)
    {
        if (connected.TryGet(deviceId, out var connection) && connection.ConnectEvent is { } mine)
        {
            if (presence is null || presence.ConnectionId == mine.ConnectionId)
            {
                if (presence is null || !presence.Connected)
                    Reassert(deviceId, connection);
                return;
            }
            if (IsNewer(presence, mine.TsMs))
            {
                logger.LogInformation("Device {DeviceId} connected to bridge instance {Instance}; closing its connection here (0x8E)", deviceId, presence.Instance);
                _ = KickAsync(deviceId, connection, presence.Instance);
            }
            else if (!presence.Connected || presence.Instance != view.Self)
            {
                Reassert(deviceId, connection);
            }
            return;
        }
        if (presence is { Connected: true } && presence.Instance != view.Self && bridge.IsStarted)
            _ = DropLocalSessionAsync(deviceId, presence.Instance);
    }

    // The later connect wins; equal times are settled by instance id so both instances agree.
    private bool IsNewer(DevicePresence presence, long mineSinceMs) =>
        presence.Connected && (presence.SinceMs > mineSinceMs
            || (presence.SinceMs == mineSinceMs && string.CompareOrdinal(presence.Instance, view.Self) > 0));

    private void Reassert(string deviceId, DeviceConnection connection)
    {
        if (connection.Session is not null && connection.ConnectEvent is not null)
            writer.Connected(deviceId, connection, connection.PresencePersistent, connection.PresenceSessionExpirySeconds);
    }

    private async Task KickAsync(string deviceId, DeviceConnection connection, string instance)
    {
        await connection.AbortAsync(MqttDisconnectReasonCode.SessionTakenOver, $"the device connected to bridge instance {instance}").ConfigureAwait(false);
        // MQTTnet keeps a persistent session after the connection closed; the device's session lives at the other instance now.
        for (var i = 0; i < 50 && connected.TryGet(deviceId, out var current) && ReferenceEquals(current, connection); i++)
            await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
        await DropLocalSessionAsync(deviceId, instance).ConfigureAwait(false);
    }

    private async Task DropLocalSessionAsync(string deviceId, string instance)
    {
        try
        {
            var session = await bridge.Server.GetSessionAsync(deviceId).ConfigureAwait(false);
            if (session is null || connected.TryGet(deviceId, out _))
                return;
            await session.DeleteAsync().ConfigureAwait(false);
            sessionExpiry.Forget(deviceId);
            logger.LogInformation("Device {DeviceId} resumed at bridge instance {Instance}; its session here is dropped", deviceId, instance);
        }
        catch (InvalidOperationException)
        {
            // MQTTnet 5.2 throws for an id it has no session for: nothing to drop.
        }
    }
}
