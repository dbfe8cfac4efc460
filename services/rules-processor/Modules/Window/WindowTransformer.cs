using Pipeline.Contracts;
using Pipeline.RulesProcessor.State;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.Modules.Window;

/// <summary>
/// Tumbling windows per device and metric on device time, emitted once, when final.
/// </summary>
/// <remarks>
/// Time is kept per device, not per partition: a window closes when the device's own latest time passes
/// the window's end plus the grace, so one device with a fast clock cannot make everyone else's records
/// late. A device that stops sending has its windows emitted once the bridge's receive time (the
/// partition's clock, immune to device clocks) has moved <see cref="WindowOptions.IdleTimeout"/> past
/// its last record. Everything (open windows, each device's closed-up-to time, the partition clock) is
/// in one persistent store with a changelog, so a restart neither loses a window nor emits one twice.
/// Like Kafka Streams' suppress, nothing is emitted while no records arrive at all.
/// A replayed input record (after a crash, the records since the last commit come again) is not applied twice:
/// each device's entry holds the offset of the last record applied to it. What a record made the module emit is
/// journaled in the same entry and emitted again when that record is replayed, since the entry can reach the
/// changelog while the emission does not (issue 19); a repeated aggregate replaces itself in iot.telemetry_1m
/// (ReplacingMergeTree on count) and a repeated LATE rejection is dropped at the rejected topic.
/// </remarks>
internal sealed class WindowTransformer(string storeName, WindowOptions options, RulesMetrics metrics)
    : ITransformer<string, EnrichedTelemetry, string, Routed<MetricAggregate>>
{
    /// <summary>Store key of the partition clock (device ids never contain NUL).</summary>
    internal const string ClockKey = "\u0000clock";
    private static readonly long SweepEveryMs = 10_000;

    /// <summary>How long, in receive time, emissions stay journaled: longer than any replay (records since the last commit).</summary>
    private static readonly long JournalMs = 10 * 60_000;

    private readonly long _sizeMs = (long)options.Size.TotalMilliseconds;
    private readonly long _graceMs = (long)options.Grace.TotalMilliseconds;
    private readonly long _idleMs = (long)options.IdleTimeout.TotalMilliseconds;
    private IKeyValueStore<string, DeviceWindows> _store = null!;
    private ProcessorContext<string, Routed<MetricAggregate>> _context = null!;

    public void Init(ProcessorContext<string, Routed<MetricAggregate>> context)
    {
        _context = context;
        _store = (IKeyValueStore<string, DeviceWindows>)context.GetStateStore(storeName);
    }

    public Record<string, Routed<MetricAggregate>> Process(Record<string, EnrichedTelemetry> record)
    {
        var deviceId = record.Key;
        var telemetry = record.Value.Record;
        var self = record.TopicPartitionOffset.Offset.Value + 1; // 0 is "never applied"
        var state = _store.Get(deviceId) ?? new DeviceWindows();
        if (self <= state.AppliedOffset)
        {
            EmitAgain(deviceId, state, self, swept: false, telemetry);
        }
        else
        {
            Apply(deviceId, state, telemetry, self);
            _store.Put(deviceId, state);
        }
        AdvanceClock(telemetry.ReceivedTsMs, self);
        return null!;
    }

    public void Close()
    {
    }

    private void Apply(string deviceId, DeviceWindows state, TelemetryRecord telemetry, long self)
    {
        var windowStart = OpenWindows.WindowStart(telemetry.DeviceTsMs, _sizeMs);
        state.LastReceivedMs = Math.Max(state.LastReceivedMs, telemetry.ReceivedTsMs);
        state.AppliedOffset = self;
        Forget(state);
        if (windowStart + _sizeMs <= state.ClosedBeforeMs)
        {
            state.Emitted.Add(new Emission { Offset = self, ReceivedMs = telemetry.ReceivedTsMs, Late = true });
            RejectLate(deviceId, state, telemetry);
            return;
        }
        OpenWindows.Add(state, windowStart, telemetry);
        state.DeviceTimeMs = Math.Max(state.DeviceTimeMs, telemetry.DeviceTsMs);
        state.ClosedBeforeMs = Math.Max(state.ClosedBeforeMs, state.DeviceTimeMs - _graceMs);
        Close(deviceId, state, state.ClosedBeforeMs, self, telemetry.ReceivedTsMs, swept: false);
    }

    /// <summary>Moves the partition clock and, every few seconds of it, emits the windows of devices gone quiet.</summary>
    private void AdvanceClock(long receivedMs, long self)
    {
        var clock = _store.Get(ClockKey) ?? new DeviceWindows();
        if (self <= clock.AppliedOffset)
        {
            // The clock already moved past this record; if it swept here, what the sweep emitted comes again.
            if (clock.LastSweepOffset == self)
                SweepAgain(self);
            return;
        }
        clock.AppliedOffset = self;
        if (receivedMs > clock.LastReceivedMs)
        {
            clock.LastReceivedMs = receivedMs;
            // device_time_ms of the clock entry = when the last sweep ran.
            if (receivedMs - clock.DeviceTimeMs >= SweepEveryMs)
            {
                clock.DeviceTimeMs = receivedMs;
                clock.LastSweepOffset = self;
                SweepIdle(receivedMs, self);
            }
        }
        _store.Put(ClockKey, clock);
    }

    private void SweepIdle(long nowMs, long self)
    {
        // Collected first: the store is not written while it is being enumerated.
        var devices = _store.All().Where(kv => kv.Key != ClockKey).ToList();
        foreach (var (deviceId, state) in devices)
        {
            // Swept at this very record before a crash whose clock entry did not land: the same emission again.
            if (EmitAgain(deviceId, state, self, swept: true, telemetry: null))
                continue;
            if (state.Open.Count == 0 || nowMs - state.LastReceivedMs < _idleMs)
                continue;
            var lastEnd = state.Open.Max(w => w.WindowStartMs) + _sizeMs;
            state.ClosedBeforeMs = Math.Max(state.ClosedBeforeMs, lastEnd);
            Forget(state);
            Close(deviceId, state, lastEnd, self, nowMs, swept: true);
            _store.Put(deviceId, state);
        }
    }

    private void SweepAgain(long self)
    {
        foreach (var (deviceId, state) in _store.All().Where(kv => kv.Key != ClockKey).ToList())
            EmitAgain(deviceId, state, self, swept: true, telemetry: null);
    }

    /// <summary>Closes the device's windows ending at or before <paramref name="closeAtMs"/>, emits and journals them.</summary>
    private void Close(string deviceId, DeviceWindows state, long closeAtMs, long self, long receivedMs, bool swept)
    {
        var closed = OpenWindows.TakeClosed(state, closeAtMs, _sizeMs);
        if (closed.Count == 0)
            return;
        var emission = new Emission { Offset = self, ReceivedMs = receivedMs, Swept = swept };
        emission.Closed.AddRange(closed);
        state.Emitted.Add(emission);
        Emit(deviceId, closed);
    }

    /// <summary>
    /// Emits again what the record at <paramref name="self"/> made this device emit, by its own arrival or (<paramref name="swept"/>)
    /// by the idle sweep that ran at it; false when there was nothing.
    /// </summary>
    private bool EmitAgain(string deviceId, DeviceWindows state, long self, bool swept, TelemetryRecord? telemetry)
    {
        var found = false;
        foreach (var emission in state.Emitted.Where(e => e.Offset == self && e.Swept == swept))
        {
            found = true;
            Emit(deviceId, emission.Closed.ToList());
            if (emission.Late && telemetry is not null)
                RejectLate(deviceId, state, telemetry);
        }
        return found;
    }

    private void RejectLate(string deviceId, DeviceWindows state, TelemetryRecord telemetry)
    {
        metrics.Late();
        var windowStart = OpenWindows.WindowStart(telemetry.DeviceTsMs, _sizeMs);
        _context.Forward(deviceId, Routed<MetricAggregate>.Reject(Rejections.Of(telemetry, Reason.Late,
            $"window {Format(windowStart)} of device '{deviceId}' already closed: device time reached {Format(state.DeviceTimeMs)}, grace {options.Grace}")));
    }

    /// <summary>Drops journal entries older than any replay can be.</summary>
    private static void Forget(DeviceWindows state)
    {
        var horizon = state.LastReceivedMs - JournalMs;
        for (var i = state.Emitted.Count - 1; i >= 0; i--)
            if (state.Emitted[i].ReceivedMs < horizon)
                state.Emitted.RemoveAt(i);
    }

    private void Emit(string deviceId, List<OpenWindow> closed)
    {
        foreach (var window in closed)
            _context.Forward(deviceId, Routed<MetricAggregate>.Pass(OpenWindows.Aggregate(deviceId, window, _sizeMs)));
    }

    private static string Format(long ms) =>
        ms is >= 0 and <= 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ") : $"{ms} ms";
}
