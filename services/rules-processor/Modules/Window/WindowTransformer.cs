using Pipeline.Contracts;
using Pipeline.RulesProcessor.State;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net.Processors;
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
/// late. A device that stops sending has its windows closed by a wall-clock tick (Streamiz punctuation on
/// processing time, <see cref="WindowTransformer"/>.Sweep): once the device's time would have passed a
/// window's end plus the grace, had it kept sending, or <see cref="WindowOptions.IdleTimeout"/> after its last
/// record, whether or not anything else arrives. Everything (open windows, each device's closed-up-to time, the
/// partition clock) is in one persistent store with a changelog, so a restart neither loses a window nor emits
/// one twice.
/// A replayed input record (after a crash, the records since the last commit come again) is not applied twice:
/// each device's entry holds the offset of the last record applied to it. What a record made the module emit is
/// journaled in the same entry and emitted again when that record is replayed, since the entry can reach the
/// changelog while the emission does not (issue 19); a repeated aggregate replaces itself in iot.telemetry_1m
/// (ReplacingMergeTree on count) and a repeated LATE rejection is dropped at the rejected topic.
/// </remarks>
internal sealed partial class WindowTransformer(string storeName, WindowOptions options, RulesMetrics metrics, TimeSpan tick)
    : ITransformer<string, EnrichedTelemetry, string, Routed<MetricAggregate>>
{
    /// <summary>Store key of the partition clock (device ids never contain NUL).</summary>
    internal const string ClockKey = "\u0000clock";

    /// <summary>How long, in receive time, emissions stay journaled: longer than any replay (records since the last commit).</summary>
    private static readonly long JournalMs = 10 * 60_000;

    private readonly long _sizeMs = (long)options.Size.TotalMilliseconds;
    private readonly long _graceMs = (long)options.Grace.TotalMilliseconds;
    private readonly long _idleMs = (long)options.IdleTimeout.TotalMilliseconds;
    private readonly PartitionClock _clock = new();
    private IKeyValueStore<string, DeviceWindows> _store = null!;
    private ProcessorContext<string, Routed<MetricAggregate>> _context = null!;

    /// <summary>
    /// Each device's entry as last read from or written to the store, so a record costs no store read and no parse
    /// (issue 17). This transformer is the store's only writer; filled on records only, which Streamiz processes once
    /// the store is restored; a sweep that rewrites an entry drops it here.
    /// </summary>
    private Dictionary<string, DeviceWindows> _live = new(StringComparer.Ordinal);

    private const int LiveLimit = 200_000;

    /// <summary>Partition time at which the earliest open window of any device is due for a sweep (min over devices).</summary>
    private long _nextDueMs = long.MinValue;

    public void Init(ProcessorContext<string, Routed<MetricAggregate>> context)
    {
        _context = context;
        _store = (IKeyValueStore<string, DeviceWindows>)context.GetStateStore(storeName);
        _live = new(StringComparer.Ordinal);
        context.Schedule(tick, PunctuationType.PROCESSING_TIME, Tick);
    }

    public Record<string, Routed<MetricAggregate>> Process(Record<string, EnrichedTelemetry> record)
    {
        var deviceId = record.Key;
        var telemetry = record.Value.Record;
        var self = record.TopicPartitionOffset.Offset.Value + 1; // 0 is "never applied"
        _clock.Saw(telemetry.ReceivedTsMs);
        if (!_live.TryGetValue(deviceId, out var state))
        {
            if (_live.Count >= LiveLimit)
                _live.Clear();
            _live[deviceId] = state = _store.Get(deviceId) ?? new DeviceWindows();
        }
        if (self <= state.AppliedOffset)
        {
            EmitAgain(deviceId, state, self, telemetry);
        }
        else
        {
            Apply(deviceId, state, telemetry, self);
            _store.Put(deviceId, state);
        }
        _nextDueMs = Math.Min(_nextDueMs, DueMs(state));
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
        var closed = OpenWindows.TakeClosed(state, state.ClosedBeforeMs, _sizeMs);
        if (closed.Count == 0)
            return;
        var emission = new Emission { Offset = self, ReceivedMs = telemetry.ReceivedTsMs };
        emission.Closed.AddRange(closed);
        state.Emitted.Add(emission);
        Emit(deviceId, closed);
    }

    /// <summary>Emits again what the record at <paramref name="self"/> made this device emit (a replay after a crash).</summary>
    private void EmitAgain(string deviceId, DeviceWindows state, long self, TelemetryRecord telemetry)
    {
        foreach (var emission in state.Emitted)
        {
            if (emission.Offset != self || emission.Swept)
                continue;
            Emit(deviceId, emission.Closed);
            if (emission.Late)
                RejectLate(deviceId, state, telemetry);
        }
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

    private void Emit(string deviceId, IEnumerable<OpenWindow> closed)
    {
        foreach (var window in closed)
            _context.Forward(deviceId, Routed<MetricAggregate>.Pass(OpenWindows.Aggregate(deviceId, window, _sizeMs)));
    }

    private static string Format(long ms) =>
        ms is >= 0 and <= 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ") : $"{ms} ms";
}
