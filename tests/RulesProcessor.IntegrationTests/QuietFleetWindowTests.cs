using Pipeline.Contracts;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>
/// Windows close on the processor's wall clock when the whole fleet goes quiet (issue 17): nothing arrives after the
/// last reading, and its window still comes out, once. Short windows so that the tests wait seconds, not minutes.
/// </summary>
public sealed class QuietFleetWindowTests
{
    [Fact]
    public async Task After_the_fleet_stops_sending_every_window_comes_out_once_with_every_reading()
    {
        await using var stack = new RulesStack("quiet",
            ("Rules:Window:Size", "00:00:05"), ("Rules:Window:Grace", "00:00:02"), ("Rules:Window:IdleTimeout", "00:00:10"));
        string[] devices = ["dev-qa", "dev-qb", "dev-qc"];
        foreach (var device in devices)
            await stack.RegisterAsync(device);
        await stack.StartAsync();

        // A few seconds of readings on the device's (and bridge's) time, then silence.
        var t0 = RecentMinute();
        var expected = new Dictionary<(string Device, long WindowStart), ulong>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 3_000)
        {
            var ts = t0 + clock.ElapsedMilliseconds;
            foreach (var device in devices)
            {
                await stack.SendAsync(Of(device, ts, null, ("temperature", 1)));
                var key = (device, ts / 5_000 * 5_000);
                expected[key] = expected.GetValueOrDefault(key) + 1;
            }
            await Task.Delay(100);
        }

        var aggregates = await stack.ReadUntilAsync<MetricAggregate>(stack.Topics.TelemetryAgg1m,
            a => expected.Keys.All(k => a.Any(x => x.DeviceId == k.Device && x.WindowStartMs == k.WindowStart)),
            $"the {expected.Count} windows of the readings sent");

        var byWindow = aggregates.GroupBy(a => (a.DeviceId, a.WindowStartMs)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(expected.Keys.Order(), byWindow.Keys.Order());
        foreach (var (window, count) in expected)
            Assert.Equal(count, Assert.Single(byWindow[window]).Count);
    }

    [Fact]
    public async Task A_window_open_when_the_processor_stopped_before_its_first_tick_comes_out_after_the_restart()
    {
        // The first run's commit interval (and with it the wall-clock tick) is longer than the run: it processes the
        // readings and stops before any tick kept the partition's clock. At-least-once, so its output is readable at once.
        await using var stack = new RulesStack("quiett", ("Rules:Guarantee", "AtLeastOnce"), ("Rules:CommitInterval", "00:05:00"),
            ("Rules:Window:Size", "00:00:20"), ("Rules:Window:Grace", "00:00:02"), ("Rules:Window:IdleTimeout", "00:00:30"));
        await stack.RegisterAsync("dev-qt");
        var t0 = RecentMinute();
        await stack.StartAsync();
        for (var i = 1; i <= 3; i++)
            await stack.SendAsync(Of("dev-qt", t0 + i * 1_000, (ulong)i, ("temperature", i)));
        await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count == 3, "the 3 readings processed");
        await stack.StopAsync();

        stack.Settings.Remove("Rules:CommitInterval");
        await stack.StartAsync();
        var window = Assert.Single(await stack.ReadUntilAsync<MetricAggregate>(stack.Topics.TelemetryAgg1m, a => a.Count >= 1,
            "the window open at the stop, with nothing sent after the restart"));
        Assert.Equal((t0, 3UL, 6.0), (window.WindowStartMs, window.Count, window.Sum));
    }

    [Fact]
    public async Task A_window_open_at_a_restart_comes_out_once_from_the_restored_store_and_not_again_after_the_next_restart()
    {
        await using var stack = new RulesStack("quietr",
            ("Rules:Window:Size", "00:00:20"), ("Rules:Window:Grace", "00:00:02"), ("Rules:Window:IdleTimeout", "00:00:30"));
        await stack.RegisterAsync("dev-qr");
        await stack.RegisterAsync("dev-qs");
        var t0 = RecentMinute();
        await stack.StartAsync();
        for (var i = 1; i <= 5; i++)
            await stack.SendAsync(Of("dev-qr", t0 + i * 1_000, (ulong)i, ("temperature", i)));
        await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count == 5, "the 5 readings processed");

        // Stopped before the window's time is up; the next start has a fresh state folder: the window comes from the changelog.
        await stack.StopAsync();
        await stack.StartAsync();
        var first = await stack.ReadUntilAsync<MetricAggregate>(stack.Topics.TelemetryAgg1m, a => a.Count >= 1, "the open window, after the restart");
        var window = Assert.Single(first);
        Assert.Equal((t0, 5UL, 15.0), (window.WindowStartMs, window.Count, window.Sum));

        // Restarted again right after it came out: a later device's window marks how far the output got. A restart within a
        // few ticks of the sweep emits the same aggregate again (it cannot know that the first copy reached Kafka), and
        // iot.telemetry_1m keeps one row of identical copies (ReplacingMergeTree on count): what must hold is one value.
        await stack.StopAsync();
        await stack.StartAsync();
        await stack.SendAsync(Of("dev-qs", t0 + 41_000, 1, ("temperature", 1)));
        var all = await stack.ReadUntilAsync<MetricAggregate>(stack.Topics.TelemetryAgg1m, a => a.Any(x => x.DeviceId == "dev-qs"), "the later device's window");
        Assert.Equal(window, Assert.Single(all.Where(a => a.DeviceId == "dev-qr").Distinct()));
    }
}
