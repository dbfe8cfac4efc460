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
/// </remarks>
internal sealed class WindowTransformer(string storeName, WindowOptions options, RulesMetrics metrics)
    : ITransformer<string, EnrichedTelemetry, string, Routed<MetricAggregate>>
{
    /// <summary>Store key of the partition clock (device ids never contain NUL).</summary>
    internal const string ClockKey = "\u0000clock";
    private static readonly long SweepEveryMs = 10_000;

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
        var state = _store.Get(deviceId) ?? new DeviceWindows();
        var windowStart = OpenWindows.WindowStart(telemetry.DeviceTsMs, _sizeMs);
        state.LastReceivedMs = Math.Max(state.LastReceivedMs, telemetry.ReceivedTsMs);

        if (windowStart + _sizeMs <= state.ClosedBeforeMs)
        {
            metrics.Late();
            _context.Forward(deviceId, Routed<MetricAggregate>.Reject(Rejections.Of(telemetry, Reason.Late,
                $"window {Format(windowStart)} of device '{deviceId}' already closed: device time reached {Format(state.DeviceTimeMs)}, grace {options.Grace}")));
        }
        else
        {
            OpenWindows.Add(state, windowStart, telemetry);
            state.DeviceTimeMs = Math.Max(state.DeviceTimeMs, telemetry.DeviceTsMs);
            state.ClosedBeforeMs = Math.Max(state.ClosedBeforeMs, state.DeviceTimeMs - _graceMs);
            Emit(deviceId, OpenWindows.TakeClosed(deviceId, state, state.ClosedBeforeMs, _sizeMs));
        }
        _store.Put(deviceId, state);
        AdvanceClock(telemetry.ReceivedTsMs);
        return null!;
    }

    public void Close()
    {
    }

    /// <summary>Moves the partition clock and, every few seconds of it, emits the windows of devices gone quiet.</summary>
    private void AdvanceClock(long receivedMs)
    {
        var clock = _store.Get(ClockKey) ?? new DeviceWindows();
        if (receivedMs <= clock.LastReceivedMs)
            return;
        clock.LastReceivedMs = receivedMs;
        // device_time_ms of the clock entry = when the last sweep ran.
        if (receivedMs - clock.DeviceTimeMs >= SweepEveryMs)
        {
            clock.DeviceTimeMs = receivedMs;
            SweepIdle(receivedMs);
        }
        _store.Put(ClockKey, clock);
    }

    private void SweepIdle(long nowMs)
    {
        // Collected first: the store is not written while it is being enumerated.
        var idle = _store.All()
            .Where(kv => kv.Key != ClockKey && kv.Value.Open.Count > 0 && nowMs - kv.Value.LastReceivedMs >= _idleMs)
            .ToList();
        foreach (var (deviceId, state) in idle)
        {
            var lastEnd = state.Open.Max(w => w.WindowStartMs) + _sizeMs;
            state.ClosedBeforeMs = Math.Max(state.ClosedBeforeMs, lastEnd);
            Emit(deviceId, OpenWindows.TakeClosed(deviceId, state, lastEnd, _sizeMs));
            _store.Put(deviceId, state);
        }
    }

    private void Emit(string deviceId, List<MetricAggregate> closed)
    {
        foreach (var aggregate in closed)
            _context.Forward(deviceId, Routed<MetricAggregate>.Pass(aggregate));
    }

    private static string Format(long ms) =>
        ms is >= 0 and <= 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ") : $"{ms} ms";
}
