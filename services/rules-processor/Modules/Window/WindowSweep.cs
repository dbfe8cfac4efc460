using Pipeline.RulesProcessor.State;

namespace Pipeline.RulesProcessor.Modules.Window;

/// <summary>The wall-clock half of the window module: windows of devices that went quiet, closed by a processing-time tick.</summary>
/// <remarks>
/// A sweep changes the store and emits in the same tick, and the two can reach Kafka apart if the processor dies right
/// after (the case issue 19 found for records). There is no input record to replay, so each sweep's emissions are
/// journaled with the tick's wall time, and a tick that lies <see cref="ConfirmTicks"/> ticks back (a commit was
/// requested at it and one has been made since) is recorded as confirmed in the clock entry. A resumed task emits
/// the journaled sweep emissions that are not confirmed once more: at most a repeat of identical aggregates, which
/// replace themselves in iot.telemetry_1m (ReplacingMergeTree on count), never a window lost. A clean stop within
/// a few seconds of a sweep repeats them too (checked: a write made while the processors close does not reach the
/// changelog, Streamiz commits before it closes them).
/// </remarks>
internal sealed partial class WindowTransformer
{
    private const int ConfirmTicks = 3;
    private readonly Queue<long> _unconfirmedSweeps = new();
    private bool _resuming = true;

    private void Tick(long wallMs)
    {
        var clock = _store.Get(ClockKey) ?? new DeviceWindows();
        var commit = false;
        // From the store, not in Init: Streamiz initialises the processors before it restores their stores, and a first
        // tick can come before the restore too; so until the clock has a value, every tick looks again.
        if (_resuming && (clock.LastReceivedMs > 0 ? clock.LastReceivedMs : LatestReceivedOfDevices()) is var resumeAt and > 0)
        {
            _resuming = false;
            _clock.Resume(resumeAt);
            _nextDueMs = long.MinValue;
            commit |= EmitUnconfirmed(clock.ConfirmedWallMs);
        }
        var now = _clock.Tick(wallMs);
        if (now == 0)
            return; // nothing received yet: nothing open, no clock to keep
        var confirmBefore = wallMs - ConfirmTicks * (long)tick.TotalMilliseconds;
        var dirty = false;
        while (_unconfirmedSweeps.TryPeek(out var swept) && swept <= confirmBefore)
        {
            clock.ConfirmedWallMs = Math.Max(clock.ConfirmedWallMs, _unconfirmedSweeps.Dequeue());
            dirty = true;
        }
        if (now >= _nextDueMs && Sweep(now, wallMs))
        {
            _unconfirmedSweeps.Enqueue(wallMs);
            commit = true;
        }
        if (now > clock.LastReceivedMs)
        {
            clock.LastReceivedMs = now;
            dirty = true;
        }
        if (dirty)
            _store.Put(ClockKey, clock);
        // A quiet task is otherwise not committed (Streamiz commits after processing records), and what the sweep wrote would wait.
        if (commit || _unconfirmedSweeps.Count > 0)
            _context.Commit();
    }

    /// <summary>Closes the windows that are due at partition time <paramref name="nowMs"/>; true when it emitted any.</summary>
    private bool Sweep(long nowMs, long wallMs)
    {
        var emitted = false;
        var nextDue = long.MaxValue;
        // Collected first: the store is not written while it is being enumerated.
        foreach (var (deviceId, state) in _store.All().Where(kv => kv.Key != ClockKey).ToList())
        {
            if (state.Open.Count == 0)
                continue;
            var quietMs = nowMs - state.LastReceivedMs;
            var idle = quietMs >= _idleMs;
            // The device's time now, had it kept sending: its last time plus the time passed since its last record.
            var closeAt = idle ? long.MaxValue : state.DeviceTimeMs + quietMs - _graceMs;
            var closed = OpenWindows.TakeClosed(state, closeAt, _sizeMs);
            if (closed.Count > 0)
            {
                state.ClosedBeforeMs = Math.Max(state.ClosedBeforeMs, idle ? closed.Max(w => w.WindowStartMs) + _sizeMs : closeAt);
                var emission = new Emission { Swept = true, WallMs = wallMs, ReceivedMs = nowMs };
                emission.Closed.AddRange(closed);
                state.Emitted.Add(emission);
                Emit(deviceId, closed);
                _store.Put(deviceId, state);
                _live.Remove(deviceId); // read afresh by the next record
                emitted = true;
            }
            nextDue = Math.Min(nextDue, DueMs(state));
        }
        _nextDueMs = nextDue;
        return emitted;
    }

    /// <summary>
    /// The latest receive time any device's entry holds: the clock of a run that stopped before a tick kept its clock
    /// (records processed, then stopped within a tick). Without it a restarted quiet partition had no clock, and its open
    /// windows waited for a next record that a quiet fleet does not send (CI saw the window never come out).
    /// </summary>
    private long LatestReceivedOfDevices()
    {
        var latest = 0L;
        foreach (var (deviceId, state) in _store.All())
            if (deviceId != ClockKey)
                latest = Math.Max(latest, state.LastReceivedMs);
        return latest;
    }

    /// <summary>After a restart: what sweeps emitted that may not have reached Kafka, once more.</summary>
    private bool EmitUnconfirmed(long confirmedWallMs)
    {
        var emitted = false;
        foreach (var (deviceId, state) in _store.All().Where(kv => kv.Key != ClockKey).ToList())
            foreach (var emission in state.Emitted)
                if (emission.Swept && emission.WallMs > confirmedWallMs)
                {
                    Emit(deviceId, emission.Closed);
                    emitted = true;
                }
        return emitted;
    }

    /// <summary>Partition time at which a sweep would close one of the device's windows (its earliest, or all when idle).</summary>
    private long DueMs(DeviceWindows state)
    {
        if (state.Open.Count == 0)
            return long.MaxValue;
        var earliestEnd = long.MaxValue;
        foreach (var w in state.Open)
            earliestEnd = Math.Min(earliestEnd, w.WindowStartMs + _sizeMs);
        var passed = state.LastReceivedMs + (earliestEnd + _graceMs - state.DeviceTimeMs);
        return Math.Min(passed, state.LastReceivedMs + _idleMs);
    }
}
