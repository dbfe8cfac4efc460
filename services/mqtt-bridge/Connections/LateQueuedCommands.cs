using System.Collections.Concurrent;

namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// Commands another instance queued in a device's stored session (iot.sessions) after the device had already opened
/// or resumed its persistent session here. That instance acted on where the device was when the command was written
/// (away, its session held there), and the device came back a moment later, here: the command would otherwise wait
/// in the stored session for the device's next resume. This instance delivers it on the open connection, once: the
/// commands a session had when the device connected here were handed over then (by MQTTnet's own session or
/// <see cref="DurableSessionKeeper.RestoreAsync"/>) and are never taken again, also when a late echo of an older
/// record of the session shows them still queued.
/// </summary>
public sealed class LateQueuedCommands
{
    /// <summary>How long a device's handed-over commands are remembered: far beyond the time an older record of its session takes to come back.</summary>
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, HandedOverCommands> _handedOver = new(StringComparer.Ordinal);
    private long _nextPruneMs;

    /// <summary>These commands of the device's session reached it (or are on their way) at this instance.</summary>
    public void HandedOver(string deviceId, IEnumerable<string> commandIds, long nowMs)
    {
        var handedOver = _handedOver.GetOrAdd(deviceId, _ => new HandedOverCommands());
        lock (handedOver)
        {
            handedOver.Ids.UnionWith(commandIds);
            handedOver.LastMs = nowMs;
        }
        Prune(nowMs);
    }

    /// <summary>
    /// The commands of a stored session just read that the device, connected here with a persistent session, has
    /// not been given yet (not expired); they count as handed over from now on.
    /// </summary>
    public IReadOnlyList<QueuedCommand> Take(string deviceId, DurableSession session, long nowMs)
    {
        if (session.Queued.Count == 0)
            return [];
        var handedOver = _handedOver.GetOrAdd(deviceId, _ => new HandedOverCommands());
        List<QueuedCommand> late;
        lock (handedOver)
        {
            late = session.Queued.Where(q => q.ExpiresAtMs > nowMs && !handedOver.Ids.Contains(q.CommandId)).ToList();
            handedOver.Ids.UnionWith(late.Select(q => q.CommandId));
            handedOver.LastMs = nowMs;
        }
        Prune(nowMs);
        return late;
    }

    private void Prune(long nowMs)
    {
        if (nowMs < Volatile.Read(ref _nextPruneMs))
            return;
        Volatile.Write(ref _nextPruneMs, nowMs + (long)Remembered.TotalMilliseconds / 4);
        var before = nowMs - (long)Remembered.TotalMilliseconds;
        foreach (var (deviceId, handedOver) in _handedOver)
            if (handedOver.LastMs < before)
                _handedOver.TryRemove(deviceId, out _);
    }

    private sealed class HandedOverCommands
    {
        public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

        public long LastMs { get; set; }
    }
}
