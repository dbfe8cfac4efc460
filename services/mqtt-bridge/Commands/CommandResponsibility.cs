using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Which bridge instance acts on a command (delivers it, or records why not), so that every command gets exactly one
/// outcome however many instances read it:
/// <list type="number">
/// <item>iot.presence names a live instance that holds the device (connected, or its persistent session has not
/// expired): that instance, unless this one accepted a newer connection of the device (a takeover iot.presence does
/// not show yet).</item>
/// <item>Else, this instance when the device is connected here or its session is kept here.</item>
/// <item>Else (nobody holds it, or its instance is gone): <see cref="PresenceView.OwnerOf"/>, one live instance
/// picked by hash of the device id; it records <c>offline</c> (or <c>expired</c>, <c>unknown_device</c>).</item>
/// </list>
/// </summary>
public static class CommandResponsibility
{
    /// <param name="localSinceMs">When the device's connection to this instance began; null when it is not connected here.</param>
    /// <param name="localSession">Whether this instance keeps a session of the device.</param>
    /// <returns>The instance that acts on the command: <see cref="PresenceView.Self"/> or another live one.</returns>
    public static string Responsible(string deviceId, PresenceView view, long? localSinceMs, bool localSession, long nowMs)
    {
        if (view.TryGet(deviceId, out var presence) && presence.HeldAt(nowMs) && view.IsLive(presence.Instance, nowMs))
            return presence.Instance == view.Self || (localSinceMs is { } since && since > presence.SinceMs) ? view.Self : presence.Instance;
        if (localSinceMs is not null || localSession)
            return view.Self;
        return view.OwnerOf(deviceId, nowMs);
    }
}
