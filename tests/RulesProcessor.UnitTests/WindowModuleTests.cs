using Pipeline.Contracts;
using Pipeline.RulesProcessor.Modules.Window;
using static Pipeline.RulesProcessor.UnitTests.Readings;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.UnitTests;

public sealed class WindowModuleTests
{
    private const long Minute = 60_000;

    [Fact]
    public void A_window_emits_count_min_max_sum_last_once_after_its_grace()
    {
        using var h = new TopologyHarness([TopologyHarness.Window()]);

        h.Send(Of("dev-1", T0 + 1_000, null, ("temperature", 20), ("humidity", 40)));
        h.Send(Of("dev-1", T0 + 30_000, null, ("temperature", 25)));
        h.Send(Of("dev-1", T0 + 59_000, null, ("temperature", 22), ("humidity", 42)));
        h.Send(Of("dev-1", T0 + Minute + 29_000, null, ("temperature", 30)));
        Assert.Empty(h.Aggregates.ReadValueList());

        h.Send(Of("dev-1", T0 + Minute + 30_000, null, ("temperature", 31)));

        var aggregates = h.Aggregates.ReadKeyValueList().ToList();
        Assert.All(aggregates, a => Assert.Equal("dev-1", a.Message.Key));
        var humidity = aggregates.Single(a => a.Message.Value.Metric == "humidity").Message.Value;
        var temperature = aggregates.Single(a => a.Message.Value.Metric == "temperature").Message.Value;
        Assert.Equal(2, aggregates.Count);
        Assert.Equal(new MetricAggregate
        {
            DeviceId = "dev-1", Metric = "temperature", WindowStartMs = T0, WindowEndMs = T0 + Minute,
            Count = 3, Min = 20, Max = 25, Sum = 67, Last = 22, LastTsMs = T0 + 59_000,
        }, temperature);
        Assert.Equal((2UL, 40.0, 42.0, 82.0, 42.0), (humidity.Count, humidity.Min, humidity.Max, humidity.Sum, humidity.Last));
    }

    [Fact]
    public void Out_of_order_records_within_the_grace_count_and_last_follows_device_time()
    {
        using var h = new TopologyHarness([TopologyHarness.Window()]);

        h.Send(Of("dev-1", T0 + 50_000, null, ("t", 5)));
        h.Send(Of("dev-1", T0 + Minute + 10_000, null, ("t", 100)));
        h.Send(Of("dev-1", T0 + 10_000, null, ("t", 1)));
        h.Send(Of("dev-1", T0 + 2 * Minute + 30_000, null, ("t", 0)));

        var first = h.Aggregates.ReadValueList().First();
        Assert.Equal((T0, 2UL, 1.0, 5.0, 6.0, 5.0), (first.WindowStartMs, first.Count, first.Min, first.Max, first.Sum, first.Last));
        Assert.Empty(h.Rejected.ReadValueList());
    }

    [Fact]
    public void A_record_after_its_window_closed_is_rejected_as_late_and_the_aggregate_is_not_emitted_again()
    {
        using var h = new TopologyHarness([TopologyHarness.Window()]);
        h.Send(Of("dev-1", T0 + 1_000, null, ("t", 1)));
        h.Send(Of("dev-1", T0 + Minute + 30_000, null, ("t", 2)));
        Assert.Single(h.Aggregates.ReadValueList());

        h.Send(Of("dev-1", T0 + 2_000, 9, ("t", 3)));
        h.Send(Of("dev-1", T0 + 5 * Minute, null, ("t", 4)));

        var late = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.Late, late.Reason);
        Assert.Equal("dev-1", late.DeviceId);
        Assert.Equal(9UL, TelemetryRecord.Parser.ParseFrom(late.Payload).Seq);
        Assert.Equal(1, h.Metrics.LateRecords);
        Assert.Equal([T0 + Minute], h.Aggregates.ReadValueList().Select(a => a.WindowStartMs));
        // Late for its aggregate, but still a valid reading: it reaches iot.telemetry.enriched.
        Assert.Equal(4, h.Enriched.ReadValueList().Count());
    }

    [Fact]
    public void Another_devices_fast_clock_does_not_close_this_devices_window()
    {
        using var h = new TopologyHarness([TopologyHarness.Window()]);

        h.Send(Of("slow", T0 + 1_000, null, ("t", 1)));
        h.Send(Of("fast", T0 + 4 * Minute, null, ("t", 1)).ReceivedAt(T0 + 2_000));
        h.Send(Of("slow", T0 + 3_000, null, ("t", 2)).ReceivedAt(T0 + 3_000));

        Assert.Empty(h.Rejected.ReadValueList());
        Assert.Empty(h.Aggregates.ReadValueList());
    }

    [Fact]
    public void A_device_that_went_quiet_while_others_send_gets_its_windows_emitted_at_the_next_tick_past_its_grace()
    {
        using var h = new TopologyHarness([TopologyHarness.Window(new WindowOptions { IdleTimeout = TimeSpan.FromMinutes(2) })]);
        h.Send(Of("quiet", T0 + 1_000, null, ("t", 7)));

        h.Send(Of("busy", T0 + Minute, null, ("t", 1)));
        h.AdvanceWallClock(TimeSpan.FromSeconds(1));
        Assert.Empty(h.Aggregates.ReadValueList());
        // The partition's clock (receive time) passes the quiet device's window end + grace, had it kept sending.
        h.Send(Of("busy", T0 + Minute + 32_000, null, ("t", 1)));
        h.AdvanceWallClock(TimeSpan.FromSeconds(1));

        var quiet = h.Aggregates.ReadValueList().Where(a => a.DeviceId == "quiet").ToList();
        Assert.Equal((T0, 1UL, 7.0), (Assert.Single(quiet).WindowStartMs, quiet[0].Count, quiet[0].Sum));

        h.Send(Of("quiet", T0 + 2_000, null, ("t", 8)).ReceivedAt(T0 + 3 * Minute));
        Assert.Equal(Reason.Late, Assert.Single(h.Rejected.ReadValueList()).Reason);
    }
}
