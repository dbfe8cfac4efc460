namespace Pipeline.Cli.Devices;

/// <summary>What iot.connectivity says about one device: its latest connect and whether that connection has ended.</summary>
public sealed record DeviceConnectivity(string DeviceId, string ConnectionId, string Instance, DateTimeOffset? ConnectedAt, bool Disconnected, DateTimeOffset LastSeen);

/// <summary>What iot.connectivity says about one bridge instance: its latest start, stop and any event (heartbeats included).</summary>
public sealed record InstanceLiveness(string Instance, DateTimeOffset? LastStart, DateTimeOffset? LastStop, DateTimeOffset LastEvent, TimeSpan HeartbeatInterval);

/// <summary>
/// Whether a device is connected now, from the connectivity log. A device is connected when its latest
/// connect has no disconnect with the same connection id AND the instance that took it is alive: it has not
/// started again or stopped since that connect, and its last heartbeat is younger than
/// <see cref="MissedHeartbeats"/> heartbeat intervals. The instance conditions cover a bridge that crashed
/// (no disconnects were written): the same instance id starting again ends its old connections at once, and
/// an instance that never comes back (a new process gets a new id) ends them when its heartbeats stop.
/// </summary>
public static class PresenceRule
{
    public const int MissedHeartbeats = 3;

    public static bool IsConnected(DeviceConnectivity device, IReadOnlyDictionary<string, InstanceLiveness> instances, DateTimeOffset now)
    {
        if (device.ConnectedAt is not { } connectedAt || device.Disconnected)
            return false;
        if (!instances.TryGetValue(device.Instance, out var instance))
            return false; // an instance with no start or heartbeat on record cannot vouch for the connection
        if (instance.LastStart > connectedAt || instance.LastStop >= connectedAt)
            return false;
        return now - instance.LastEvent < instance.HeartbeatInterval * MissedHeartbeats;
    }
}
