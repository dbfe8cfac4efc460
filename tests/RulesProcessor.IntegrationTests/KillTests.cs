using Pipeline.Contracts;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>kill -9 in the middle of a stream of records: exactly-once resumes from committed state, nothing lost, nothing twice.</summary>
public sealed class KillTests
{
    [Fact]
    public async Task After_a_kill_9_mid_stream_every_record_comes_out_exactly_once()
    {
        await using var stack = new RulesStack("kill");
        await stack.RegisterAsync("dev-k");
        var stateDir = Path.Combine(Path.GetTempPath(), $"rules-it-kill-{Guid.NewGuid():N}");
        var args = stack.Settings.Select(s => $"--{s.Key}={s.Value}").Append($"--Rules:StateDir={stateDir}").ToList();
        var t0 = RecentMinute();
        const int total = 300;
        try
        {
            using (var first = ServiceProcess.Start(args))
            {
                for (ulong seq = 1; seq <= total; seq++)
                    await stack.SendAsync(Of("dev-k", t0 + (long)seq * 100, seq, ("temperature", 1)));
                // Without seq: nothing but the committed state protects these from a second emission.
                for (var i = 1; i <= 50; i++)
                    await stack.SendAsync(Of("dev-k", t0 + 30_000 + i * 100, null, ("pressure", i)));
                await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count >= 20,
                    "some records processed before the kill");
                first.KillHard();
            }
            using var second = ServiceProcess.Start(args);
            // The device resends what it was not sure about; dedupe must drop what was committed before the kill.
            for (ulong seq = total - 50; seq <= total; seq++)
                await stack.SendAsync(Of("dev-k", t0 + (long)seq * 100, seq, ("temperature", 1)));
            await stack.SendAsync(Of("dev-k", t0 + 120_000, total + 1, ("temperature", 1)));

            var aggregates = await stack.ReadUntilAsync<MetricAggregate>(stack.Topics.TelemetryAgg1m, a => a.Count >= 1, "the first minute's aggregate");
            var enriched = await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count >= total + 51,
                $"{total + 51} enriched records");

            Assert.Equal(Enumerable.Range(1, total + 1).Select(i => (ulong)i), enriched.Where(e => e.Record.HasSeq).Select(e => e.Record.Seq).Order());
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (double)i), enriched.Where(e => !e.Record.HasSeq).Select(e => e.Record.Metrics["pressure"]).Order());
            var minute = Assert.Single(aggregates, a => a.WindowStartMs == t0 && a.Metric == "temperature");
            Assert.Equal(((ulong)total, (double)total), (minute.Count, minute.Sum));
            var pressure = Assert.Single(aggregates, a => a.WindowStartMs == t0 && a.Metric == "pressure");
            Assert.Equal((50UL, 1275.0), (pressure.Count, pressure.Sum));
        }
        finally
        {
            if (Directory.Exists(stateDir))
                Directory.Delete(stateDir, recursive: true);
        }
    }

    [Fact]
    public async Task Sigterm_drains_commits_and_exits_cleanly()
    {
        await using var stack = new RulesStack("term");
        await stack.RegisterAsync("dev-t");
        var stateDir = Path.Combine(Path.GetTempPath(), $"rules-it-term-{Guid.NewGuid():N}");
        var args = stack.Settings.Select(s => $"--{s.Key}={s.Value}").Append($"--Rules:StateDir={stateDir}");
        try
        {
            using var service = ServiceProcess.Start(args);
            for (ulong seq = 1; seq <= 20; seq++)
                await stack.SendAsync(Of("dev-t", RecentMinute() + (long)seq, seq, ("temperature", 1)));
            await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count == 20, "20 records processed");

            var exitCode = await service.TerminateAsync(TimeSpan.FromSeconds(60));

            Assert.True(exitCode == 0, $"exit code {exitCode?.ToString() ?? "none (still running)"}; output:\n{service.Output}");
            Assert.Contains("Draining", service.Output);
            Assert.Contains("NOT_RUNNING", service.Output);
        }
        finally
        {
            if (Directory.Exists(stateDir))
                Directory.Delete(stateDir, recursive: true);
        }
    }
}
