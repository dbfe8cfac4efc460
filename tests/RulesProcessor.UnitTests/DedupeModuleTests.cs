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

    [Fact]
    public void Resends_are_dropped_in_every_block_of_seqs()
    {
        // Pairs are stored 64 seqs to a block (one store key per device, block and bucket): resends of the first and
        // last seq of each block, and of blocks written earlier, must all be found.
        using var h = new TopologyHarness([TopologyHarness.Dedupe()]);

        for (ulong seq = 1; seq <= 200; seq++)
            h.Send(Of("dev-1", T0 + (long)seq, seq));
        ulong[] resent = [1, 63, 64, 127, 128, 191, 192, 200];
        foreach (var seq in resent)
            h.Send(Of("dev-1", T0 + (long)seq, seq).ReceivedAt(T0 + 60_000));
        h.Send(Of("dev-1", T0 + 201, 201));

        var seqs = h.Enriched.ReadValueList().Select(e => e.Record.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, 201).Select(i => (ulong)i), seqs);
        Assert.Equal(resent.Length, h.Metrics.DedupeHits);
    }

    // A duplicate across a restart: RulesProcessor.IntegrationTests (TopologyTestDriver deletes its state on dispose).
}
