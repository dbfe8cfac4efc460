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
    /// For a command written before this instance started reading (read while catching up, and read by no run that
    /// answers for it): a live instance that reads it as it arrives decides it (the others never count this one for
    /// it). Else, of the live runs catching up over it, this one included, the one that began reading first: it never
    /// leaves the command to a later one, and each later one has read its record before deciding (the dispatcher
    /// settles iot.presence first), so exactly one answers. An instance that looks live but died unseen is waited
    /// for, and once its heartbeats are missed the command is decided again (<see cref="DeferredCommands"/>).
    /// </summary>
    /// <param name="readingSinceMs">When this instance began reading iot.commands.</param>
    public static string ForCatchUp(int partition, long offset, PresenceView view, long nowMs, long readingSinceMs)
    {
        if (view.LiveInstances(nowMs).FirstOrDefault(i => view.ReadsAsWritten(i, partition, offset, nowMs)) is { } reader)
            return reader;
        var first = (Instance: view.Self, Since: readingSinceMs);
        foreach (var other in view.OthersCatchingUp(partition, offset, nowMs))
            if (InstancePresence.BeganReadingBefore(other.ReadingSinceMs, other.Instance, first.Since, first.Instance))
                first = (other.Instance, other.ReadingSinceMs);
        return first.Instance;
    }
}
