namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// One device's connection changes, one at a time: a new connection from its acceptance until MQTTnet holds it (the
/// CONNACK), and an ending connection from the moment its end is read until the bridge's clean-up of it is done.
/// </summary>
/// <remarks>
/// MQTTnet 5.2 cleans up an ended connection by client id: it removes whatever connection the id names then, and
/// deletes that id's session (MqttClientSessionsManager.HandleClientConnectionAsync). A device that reconnected
/// while its previous connection's clean-up ran lost the new connection, closed without a reason (CI: the
/// simulator's readiness probe, and the console's, took the device's real connection with them). Held this way, a
/// new connection is created either before the old one's end (MQTTnet then treats the old one as taken over and
/// leaves the id alone) or after its clean-up; and the bridge's own clean-up (presence, iot.connectivity, wills)
/// comes before the next connection's connect, in that order.
/// </remarks>
/// <param name="maxWait">Longest wait for the other side (5 s by default); past it the change goes ahead unordered, as before this existed.</param>
public sealed class DeviceHandover(TimeSpan maxWait)
{
    public DeviceHandover() : this(TimeSpan.FromSeconds(5))
    {
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Waits until no other change of the device is under way (at most the longest wait) and holds it until the lease is released.</summary>
    public async Task<Lease> EnterAsync(string deviceId)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(deviceId, out entry!))
                _entries[deviceId] = entry = new Entry();
            entry.Users++;
        }
        var held = await entry.Gate.WaitAsync(maxWait).ConfigureAwait(false);
        return new Lease(this, deviceId, entry, held);
    }

    private void Leave(string deviceId, Entry entry, bool held)
    {
        if (held)
            entry.Gate.Release();
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(deviceId);
                entry.Dispose();
            }
        }
    }

    /// <summary>Devices with a change under way or waiting (for tests and metrics).</summary>
    public int Count
    {
        get
        {
            lock (_entries)
                return _entries.Count;
        }
    }

    internal sealed class Entry : IDisposable
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;

        public void Dispose() => Gate.Dispose();
    }

    /// <summary>A held turn; released once, whichever of its owners' paths gets there first.</summary>
    public sealed class Lease
    {
        private readonly DeviceHandover _owner;
        private readonly string _deviceId;
        private readonly Entry _entry;
        private int _released;

        internal Lease(DeviceHandover owner, string deviceId, Entry entry, bool held)
        {
            _owner = owner;
            _deviceId = deviceId;
            _entry = entry;
            Held = held;
        }

        /// <summary>False when the wait ran out and the change went ahead without its turn.</summary>
        public bool Held { get; }

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                _owner.Leave(_deviceId, _entry, Held);
        }
    }
}
