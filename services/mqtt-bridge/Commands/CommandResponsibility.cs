using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Which bridge instance acts on a command (delivers it, or records why not), so that every command gets exactly one
/// outcome however many instances read it. Only an instance that reads the command can act on it
/// (<see cref="PresenceView.CanAct"/>: this one, or a live one whose current run started reading at or before it):
/// <list type="number">
/// <item>iot.presence names such an instance holding the device (connected, or its persistent session has not
/// expired, in the instance's current run): that instance, unless this one accepted a newer connection of the device
/// (a takeover iot.presence does not show yet).</item>
/// <item>Else, this instance when the device is connected here or its session is kept here.</item>
/// <item>Else (nobody holds it, or its instance is gone or restarted since): <see cref="PresenceView.OwnerOf"/>, one
/// of those instances picked by hash of the device id; it records <c>offline</c> (or <c>expired</c>,
/// <c>unknown_device</c>), or queues the command in the device's durable session.</item>
/// </list>
/// </summary>
public static class CommandResponsibility
{
    /// <param name="partition">The command's iot.commands partition.</param>
    /// <param name="offset">The command's offset there.</param>
    /// <param name="localSinceMs">When the device's connection to this instance began; null when it is not connected here.</param>
    /// <param name="localSession">Whether this instance keeps a session of the device.</param>
    /// <param name="writtenMs">When the command was written: where the device was then decides, the same for every
    /// instance (<see cref="PresenceView.AsOf"/>); a connection accepted after it counts as not there yet.</param>
    /// <returns>The instance that acts on the command: <see cref="PresenceView.Self"/> or another live one.</returns>
    public static string Responsible(string deviceId, int partition, long offset, PresenceView view, long? localSinceMs, bool localSession,
        long writtenMs, long nowMs)
    {
        bool CanAct(string instance) => view.CanAct(instance, partition, offset, nowMs);
        var local = localSinceMs <= writtenMs ? localSinceMs : null;
        if (view.AsOf(deviceId, writtenMs) is { } presence && presence.HeldAt(writtenMs) && view.HeldByCurrentRun(presence) && CanAct(presence.Instance))
            return presence.Instance == view.Self || (local is { } since && since > presence.SinceMs) ? view.Self : presence.Instance;
        if (local is not null || localSession)
            return view.Self;
        return view.OwnerOf(deviceId, nowMs, CanAct);
    }

    /// <summary>
    /// For a command written before this instance started reading (read while catching up, and read by no run
    /// yet): a live instance whose run reads it decides it (the others never count this one for it); only when none
    /// does, this one. An instance that looks live but died unseen is waited for, and once its heartbeats are missed
    /// the command is decided again (<see cref="DeferredCommands"/>) and falls to this one.
    /// </summary>
    public static string ForCatchUp(int partition, long offset, PresenceView view, long nowMs) =>
        view.LiveInstances(nowMs).FirstOrDefault(i => i != view.Self && view.CanAct(i, partition, offset, nowMs)) ?? view.Self;
}
