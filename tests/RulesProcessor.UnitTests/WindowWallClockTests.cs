using Pipeline.RulesProcessor.Modules.Window;
using static Pipeline.RulesProcessor.UnitTests.Readings;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>Windows close on the processor's wall clock when the whole fleet goes quiet (issue 17).</summary>
public sealed class WindowWallClockTests
{
    private const long Minute = 60_000;

    [Fact]
    public void When_nothing_arrives_any_more_the_last_window_is_emitted_once_grace_after_the_device_time_would_have_passed_it()
    {
        using var h = new TopologyHarness([TopologyHarness.Window()]);
        h.Send(Of("dev-1", T0 + 1_000, null, ("t", 1)));
        h.Send(Of("dev-1", T0 + 20_000, null, ("t", 3)));

        // The driver's mock clock moves about a tenth more than asked, hence the margins around T0 + 90 s (window end + grace).
        h.AdvanceWallClock(TimeSpan.FromSeconds(1));   // the partition's clock stands at its last receive time, T0 + 20 s
        h.AdvanceWallClock(TimeSpan.FromSeconds(50));  // about T0 + 70 s
        Assert.Empty(h.Aggregates.ReadValueList());

        h.AdvanceWallClock(TimeSpan.FromSeconds(30));  // about T0 + 100 s
        var aggregate = Assert.Single(h.Aggregates.ReadValueList());
        Assert.Equal((T0, 2UL, 4.0, 3.0), (aggregate.WindowStartMs, aggregate.Count, aggregate.Sum, aggregate.Last));

        for (var i = 0; i < 5; i++)
            h.AdvanceWallClock(TimeSpan.FromMinutes(1));
        Assert.Empty(h.Aggregates.ReadValueList());
    }

    [Fact]
    public void A_record_for_a_window_the_wall_clock_closed_is_late()
    {
        using var h = new TopologyHarness([TopologyHarness.Window()]);
        h.Send(Of("dev-1", T0 + 50_000, null, ("t", 1)));
        h.AdvanceWallClock(TimeSpan.FromSeconds(1));
        h.AdvanceWallClock(TimeSpan.FromSeconds(60));
        Assert.Single(h.Aggregates.ReadValueList());

        h.Send(Of("dev-1", T0 + 55_000, 4, ("t", 2)).ReceivedAt(T0 + 120_000));

        Assert.Equal(Reason.Late, Assert.Single(h.Rejected.ReadValueList()).Reason);
        Assert.Empty(h.Aggregates.ReadValueList());
    }

    [Fact]
    public void A_device_whose_clock_is_far_behind_gets_its_windows_closed_on_its_own_time()
    {
        using var h = new TopologyHarness([TopologyHarness.Window()]);
        // Device clock an hour behind the bridge: its windows close on its own time, moved on by the time passed.
        h.Send(Of("dev-1", T0 - 60 * Minute + 10_000, null, ("t", 1)).ReceivedAt(T0));
        h.Send(Of("dev-1", T0 - 59 * Minute + 5_000, null, ("t", 2)).ReceivedAt(T0 + 55_000));
        h.AdvanceWallClock(TimeSpan.FromSeconds(1));
        Assert.Empty(h.Aggregates.ReadValueList());

        h.AdvanceWallClock(TimeSpan.FromSeconds(45)); // its time is about T0 - 59 min + 50 s: the first window is past its grace
        Assert.Equal([T0 - 60 * Minute], h.Aggregates.ReadValueList().Select(a => a.WindowStartMs));
        h.AdvanceWallClock(TimeSpan.FromSeconds(60)); // about T0 - 58 min + 50 s: the second one too
        Assert.Equal([T0 - 59 * Minute], h.Aggregates.ReadValueList().Select(a => a.WindowStartMs));
    }
}
