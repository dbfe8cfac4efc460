using Pipeline.RulesProcessor.Modules.ThresholdAlert;
using static Pipeline.RulesProcessor.UnitTests.Readings;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>All built-in modules in their default order, as the service runs them.</summary>
public sealed class FullChainTests
{
    private static TopologyHarness AllModules() => new([
        TopologyHarness.Validate(), TopologyHarness.Dedupe(), TopologyHarness.Enrich(), TopologyHarness.Window(),
        TopologyHarness.ThresholdAlert(new ThresholdRule { Metric = "temperature", Above = 80, Consecutive = 2 }),
    ]);

    [Fact]
    public void Records_come_out_validated_deduplicated_enriched_aggregated_and_alerted()
    {
        using var h = AllModules();
        h.Register("dev-1", false, ("site", "s1"));

        h.Send(Of("dev-1", T0 + 1_000, 1, ("temperature", 81)));
        h.Send(Of("dev-1", T0 + 1_000, 1, ("temperature", 81)));           // resend
        h.Send(Of("dev-1", T0 + 2_000, 2, ("temperature", double.NaN)));   // invalid
        h.Send(Of("dev-1", T0 + 3_000, 3, ("temperature", 85)));
        h.Send(Of("ghost", T0 + 3_000, 1, ("temperature", 85)));           // unknown
        h.Send(Of("dev-1", T0 + 91_000, 4, ("temperature", 20)));          // closes the first minute

        Assert.Equal([1UL, 3UL, 4UL], h.Enriched.ReadValueList().Select(e => e.Record.Seq));
        Assert.Equal([Reason.NonFiniteValue, Reason.UnknownDevice], h.Rejected.ReadValueList().Select(r => r.Reason));
        var minute = Assert.Single(h.Aggregates.ReadValueList());
        Assert.Equal((2UL, 81.0, 85.0, 166.0, 85.0), (minute.Count, minute.Min, minute.Max, minute.Sum, minute.Last));
        Assert.Single(h.Events.ReadValueList());
        Assert.Equal(1, h.Metrics.DedupeHits);
    }
}
