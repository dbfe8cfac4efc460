using Pipeline.Contracts;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>State that must survive a restart: seen (device, seq) pairs and open windows.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Duplicates_across_a_restart_are_still_dropped_even_when_local_state_is_lost()
    {
        await using var stack = new RulesStack("restart");
        await stack.RegisterAsync("dev-r");
        var t0 = RecentMinute();
        await stack.StartAsync();
        for (ulong seq = 1; seq <= 5; seq++)
            await stack.SendAsync(Of("dev-r", t0 + (long)seq * 1_000, seq, ("temperature", seq)));
        // Without seq dedupe cannot help: only resuming from committed state keeps these from coming out twice.
        await stack.SendAsync(Of("dev-r", t0 + 10_000, null, ("pressure", 1)));
        await stack.SendAsync(Of("dev-r", t0 + 11_000, null, ("pressure", 2)));
        await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count == 7, "the first 7 records enriched");

        await stack.StopAsync();
        // A fresh state folder: the dedupe and window stores must come back from their changelog topics.
        await stack.StartAsync();
        for (ulong seq = 3; seq <= 7; seq++)
            await stack.SendAsync(Of("dev-r", t0 + (long)seq * 1_000, seq, ("temperature", seq)));
        await stack.SendAsync(Of("dev-r", t0 + 95_000, 8, ("temperature", 100)));

        var aggregates = await stack.ReadUntilAsync<MetricAggregate>(stack.Topics.TelemetryAgg1m, a => a.Count >= 1, "the first minute's aggregate");
        var enriched = await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count >= 10, "10 enriched records");

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (ulong)i), enriched.Where(e => e.Record.HasSeq).Select(e => e.Record.Seq).Order());
        Assert.Equal([1.0, 2.0], enriched.Where(e => !e.Record.HasSeq).Select(e => e.Record.Metrics["pressure"]).Order());
        var temperature = Assert.Single(aggregates, a => a.Metric == "temperature");
        Assert.Equal((7UL, 1.0, 7.0, 28.0), (temperature.Count, temperature.Min, temperature.Max, temperature.Sum));
        var pressure = Assert.Single(aggregates, a => a.Metric == "pressure");
        Assert.Equal((2UL, 3.0), (pressure.Count, pressure.Sum));
    }
}
