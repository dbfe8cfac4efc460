using Prometheus;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// The per-module in/out counts taken at one place of the telemetry chain, in one Streamiz node. Every node a record
/// passes costs (docs/topologies.md, Performance), so the processor puts one counting node where the chain changed
/// (after a module that filters or transforms it), not one per module: modules that only tap the chain (window,
/// threshold-alert) read the same stream and are counted at the same place. Counters are bound once, at build time.
/// </summary>
internal sealed class ChainCount(RulesMetrics metrics, string? passedOnBy)
{
    private readonly List<Counter.Child> _counters = passedOnBy is null ? [] : [metrics.OutCounter(passedOnBy)];

    /// <summary>Counts the records reaching this place as input of <paramref name="module"/> too.</summary>
    public void AddIn(string module) => _counters.Add(metrics.InCounter(module));

    public void Record()
    {
        foreach (var counter in _counters)
            counter.Inc();
    }
}
