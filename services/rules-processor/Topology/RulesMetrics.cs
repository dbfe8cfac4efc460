using System.Collections.Concurrent;
using Pipeline.Contracts;
using Prometheus;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// The processor's Prometheus metrics. The service uses the default registry (served on /metrics);
/// tests pass their own registry so counts are per test.
/// </summary>
public sealed class RulesMetrics
{
    private readonly Counter _in;
    private readonly Counter _out;
    private readonly Counter _rejected;
    private readonly Counter _dedupeHits;
    private readonly Counter _late;
    private readonly Counter _registryUnreadable;
    private readonly Counter _replaySkipped;
    private readonly Histogram _lag;

    // Labelled children per label value: WithLabels hashes the label values on every call, and the hot path
    // counts several times per record.
    private readonly ConcurrentDictionary<string, Counter.Child> _inByModule = new();
    private readonly ConcurrentDictionary<string, Counter.Child> _outByModule = new();
    private readonly ConcurrentDictionary<string, Histogram.Child> _lagByOutput = new();

    public RulesMetrics(CollectorRegistry? registry = null)
    {
        var factory = Metrics.WithCustomRegistry(registry ?? Metrics.DefaultRegistry);
        _in = factory.CreateCounter("rules_records_in_total", "Records that entered a module.", "module");
        _out = factory.CreateCounter("rules_records_out_total", "Records a module passed on or produced.", "module");
        _rejected = factory.CreateCounter("rules_rejected_total", "Records sent to the rejected topic, by reason.", "reason");
        _dedupeHits = factory.CreateCounter("rules_dedupe_hits_total", "Records dropped because their (device, seq) was already seen.");
        _late = factory.CreateCounter("rules_late_records_total", "Records that arrived after their window closed.");
        _registryUnreadable = factory.CreateCounter("rules_registry_unreadable_total", "Device registry records that could not be read (treated as absent).");
        _replaySkipped = factory.CreateCounter("rules_replay_skipped_total", "Input records skipped after a restart because their outputs were already committed.");
        _lag = factory.CreateHistogram("rules_end_to_end_lag_seconds", "Device time to output time, by output.",
            new HistogramConfiguration
            {
                LabelNames = ["output"],
                Buckets = Histogram.ExponentialBuckets(0.005, 2, 16),
            });
        Rules = new Modules.Rules.RuleMetrics(factory);
    }

    /// <summary>The operators' rules: matches, actions and errors per rule.</summary>
    public Modules.Rules.RuleMetrics Rules { get; }

    public void RecordIn(string module) => InCounter(module).Inc();

    public void RecordOut(string module) => OutCounter(module).Inc();

    /// <summary>The in-counter of <paramref name="module"/>, to bind once where a node counts every record.</summary>
    public Counter.Child InCounter(string module) => _inByModule.GetOrAdd(module, m => _in.WithLabels(m));

    /// <summary>The out-counter of <paramref name="module"/>, to bind once where a node counts every record.</summary>
    public Counter.Child OutCounter(string module) => _outByModule.GetOrAdd(module, m => _out.WithLabels(m));

    /// <summary>The lag histogram of <paramref name="output"/>, to bind once; see <see cref="ObserveLag"/>.</summary>
    public Histogram.Child LagOf(string output) => _lagByOutput.GetOrAdd(output, o => _lag.WithLabels(o));

    public void Rejected(RejectedMessage.Types.Reason reason) => _rejected.WithLabels(reason.ToString()).Inc();

    public void DedupeHit() => _dedupeHits.Inc();

    public void Late() => _late.Inc();

    public void RegistryRecordUnreadable() => _registryUnreadable.Inc();

    public void ReplaySkipped() => _replaySkipped.Inc();

    public double ReplaySkippedCount => _replaySkipped.Value;

    /// <summary>Lag from a device timestamp (epoch ms) to now; negative lags (device clock ahead) count as zero.</summary>
    public void ObserveLag(string output, long deviceTsMs) =>
        _lagByOutput.GetOrAdd(output, o => _lag.WithLabels(o)).Observe(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - deviceTsMs) / 1000.0);

    public double InCount(string module) => _in.WithLabels(module).Value;

    public double OutCount(string module) => _out.WithLabels(module).Value;

    public double RejectedCount(RejectedMessage.Types.Reason reason) => _rejected.WithLabels(reason.ToString()).Value;

    public double DedupeHits => _dedupeHits.Value;

    public double LateRecords => _late.Value;
}
