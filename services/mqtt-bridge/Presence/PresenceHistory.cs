using System.Collections.Concurrent;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// The device records of iot.presence that changed in the last <see cref="Window"/>, in the order they were written,
/// each with the time of the event it records (the connect, the disconnect). Lets every instance decide a command on
/// the record that was in force when the command was written, not on whichever record it happens to have read by
/// the time it decides: instances that read at different moments then still name the same holder. Older changes
/// are forgotten (a device then counts with its current record), so memory follows the connect rate, not the fleet.
/// </summary>
public sealed class PresenceHistory
{
    /// <summary>How long a change is kept: well beyond the wait before a command is decided, and beyond a short lag of the command reader.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(15);

    private static readonly long PruneEveryMs = 5_000;

    private readonly ConcurrentDictionary<string, Changes> _changes = new(StringComparer.Ordinal);
    private long _nextPruneMs;

    /// <summary>Devices with a change kept (for tests and the memory figures).</summary>
    public int Count => _changes.Count;

    /// <summary>Called on the follower's thread for every device record, in log order.</summary>
    /// <param name="previous">The device's record before this one (null: none, or a tombstone).</param>
    /// <param name="eventMs">When the event this record tells of happened.</param>
    public void Changed(string deviceId, DevicePresence? previous, DevicePresence? current, long eventMs, long nowMs)
    {
        var changes = _changes.GetOrAdd(deviceId, _ => new Changes(previous));
        lock (changes)
            changes.Add(eventMs, current, nowMs);
        if (nowMs >= _nextPruneMs)
        {
            _nextPruneMs = nowMs + PruneEveryMs;
            var before = nowMs - (long)Window.TotalMilliseconds;
            foreach (var (device, kept) in _changes)
                if (kept.LastChangeMs < before)
                    _changes.TryRemove(device, out _);
        }
    }

    /// <summary>
    /// The record in force at <paramref name="asOfMs"/>: the last one written whose event is not later. False when no
    /// change of the device is kept (its current record is the one).
    /// </summary>
    public bool TryGetAsOf(string deviceId, long asOfMs, out DevicePresence? presence)
    {
        presence = null;
        if (!_changes.TryGetValue(deviceId, out var changes))
            return false;
        lock (changes)
            presence = changes.AsOf(asOfMs);
        return true;
    }

    /// <summary>A device's changes, oldest first, after the record it had before the first of them.</summary>
    private sealed class Changes(DevicePresence? before)
    {
        private readonly List<(long EventMs, DevicePresence? Record)> _records = [(long.MinValue, before)];

        public long LastChangeMs { get; private set; }

        /// <summary>A device that keeps changing keeps its last few changes; the older ones fold into the record before them.</summary>
        private const int MaxKept = 16;

        public void Add(long eventMs, DevicePresence? record, long nowMs)
        {
            _records.Add((eventMs, record));
            LastChangeMs = nowMs;
            if (_records.Count > MaxKept)
            {
                _records[0] = (long.MinValue, _records[1].Record);
                _records.RemoveAt(1);
            }
        }

        public DevicePresence? AsOf(long asOfMs)
        {
            for (var i = _records.Count - 1; i > 0; i--)
                if (_records[i].EventMs <= asOfMs)
                    return _records[i].Record;
            return _records[0].Record;
        }
    }

    /// <summary>When the event a device record tells of happened: the connect, the disconnect, or (a tombstone) when it was written.</summary>
    public static long EventTimeOf(DevicePresence? record, long writtenMs) =>
        record is null ? writtenMs : record.Connected ? record.SinceMs : record.DisconnectedAtMs ?? record.SinceMs;
}
