using static Pipeline.RulesProcessor.UnitTests.Readings;

namespace Pipeline.RulesProcessor.UnitTests;

public sealed class DedupeModuleTests
{
    [Fact]
    public void A_resend_with_the_same_seq_is_dropped_and_counted()
    {
        using var h = new TopologyHarness([TopologyHarness.Dedupe()]);

        h.Send(Of("dev-1", T0, 1));
        h.Send(Of("dev-1", T0, 1).ReceivedAt(T0 + 5_000));
        h.Send(Of("dev-1", T0 + 1_000, 2));

        Assert.Equal([1UL, 2UL], h.Enriched.ReadValueList().Select(e => e.Record.Seq));
        Assert.Equal(1, h.Metrics.DedupeHits);
        Assert.Empty(h.Rejected.ReadValueList());
    }

    [Fact]
    public void Records_without_seq_always_pass()
    {
        using var h = new TopologyHarness([TopologyHarness.Dedupe()]);

        h.Send(Of("dev-1", T0));
        h.Send(Of("dev-1", T0));

        Assert.Equal(2, h.Enriched.ReadValueList().Count());
    }

    [Fact]
    public void The_same_seq_from_another_device_is_not_a_duplicate()
    {
        using var h = new TopologyHarness([TopologyHarness.Dedupe()]);

        h.Send(Of("dev-1", T0, 7));
        h.Send(Of("dev-2", T0, 7));

        Assert.Equal(2, h.Enriched.ReadValueList().Count());
    }

    [Fact]
    public void A_seq_seen_longer_ago_than_the_window_passes_again()
    {
        using var h = new TopologyHarness([TopologyHarness.Dedupe(TimeSpan.FromMinutes(10))]);

        h.Send(Of("dev-1", T0, 1));
        h.Send(Of("dev-1", T0, 1).ReceivedAt(T0 + 9 * 60_000));
        h.Send(Of("dev-1", T0, 1).ReceivedAt(T0 + 30 * 60_000));

        Assert.Equal(2, h.Enriched.ReadValueList().Count());
        Assert.Equal(1, h.Metrics.DedupeHits);
    }

    [Fact]
    public void Resends_below_the_highest_seq_are_dropped_also_after_a_device_started_its_seq_over()
    {
        using var h = new TopologyHarness([TopologyHarness.Dedupe()]);

        h.Send(Of("dev-1", T0, 5));
        h.Send(Of("dev-1", T0 + 1_000, 6));
        h.Send(Of("dev-1", T0 + 2_000, 1)); // the device restarted and counts from 1 again
        h.Send(Of("dev-1", T0 + 3_000, 2));
        h.Send(Of("dev-1", T0 + 3_000, 2).ReceivedAt(T0 + 4_000));
        h.Send(Of("dev-1", T0 + 1_000, 6).ReceivedAt(T0 + 5_000));
        h.Send(Of("dev-1", T0 + 6_000, 7));

        Assert.Equal([5UL, 6UL, 1UL, 2UL, 7UL], h.Enriched.ReadValueList().Select(e => e.Record.Seq));
        Assert.Equal(2, h.Metrics.DedupeHits);
    }

    // A duplicate across a restart: RulesProcessor.IntegrationTests (TopologyTestDriver deletes its state on dispose).
}
