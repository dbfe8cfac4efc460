using System.Collections.Concurrent;

namespace Pipeline.MqttBridge.Connections;

/// <summary>The authenticated connection of each device connected to this instance (the latest one after a takeover).</summary>
public sealed class ConnectedDevices
{
    private readonly ConcurrentDictionary<string, DeviceConnection> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    public void Add(string deviceId, DeviceConnection connection) => _connections[deviceId] = connection;

    /// <summary>Removes the entry only if it is still this connection (a takeover may have replaced it).</summary>
    public void Remove(string deviceId, DeviceConnection connection) =>
        _connections.TryRemove(new KeyValuePair<string, DeviceConnection>(deviceId, connection));

    public bool TryGet(string deviceId, out DeviceConnection connection) => _connections.TryGetValue(deviceId, out connection!);

    public IReadOnlyCollection<DeviceConnection> All => _connections.Values.ToList();
}
