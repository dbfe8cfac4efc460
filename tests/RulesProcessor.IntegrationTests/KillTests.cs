using Confluent.Kafka;
using Pipeline.Contracts;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>kill -9 of the service (its own process): it resumes from committed state.</summary>
/// <remarks>
/// On the embedded Kafka a transaction left open by a killed producer is not aborted when the new
/// producer fences it (checked with two plain Confluent.Kafka producers: a read_committed consumer saw the
/// fenced transaction's records), so what the dead instance had in flight is visible there. The restarted
/// processor does not write those outputs again (it reads what its outputs already hold, issue 19), so
/// exactly once holds mid-stream too, on the embedded Kafka as on a real broker.
/// </remarks>
public sealed class KillTests
{
    [Fact]
    public async Task After_a_kill_9_mid_stream_nothing_is_lost()
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

            var seqs = enriched.Where(e => e.Record.HasSeq).Select(e => e.Record.Seq).ToList();
            var pressures = enriched.Where(e => !e.Record.HasSeq).Select(e => e.Record.Metrics["pressure"]).ToList();
            Assert.Equal(Enumerable.Range(1, total + 1).Select(i => (ulong)i), seqs.Distinct().Order());
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (double)i), pressures.Distinct().Order());
            Assert.Equal(seqs.Count, seqs.Distinct().Count());
            Assert.Equal(pressures.Count, pressures.Distinct().Count());
            var minute = Assert.Single(aggregates, a => a.WindowStartMs == t0 && a.Metric == "temperature");
            Assert.Equal(((ulong)total, (double)total), (minute.Count, minute.Sum));
        }
        finally
        {
            if (Directory.Exists(stateDir))
                Directory.Delete(stateDir, recursive: true);
        }
    }

    [Fact]
    public async Task After_a_kill_9_at_a_quiet_moment_every_record_comes_out_exactly_once()
    {
        await using var stack = new RulesStack("killq");
        await stack.RegisterAsync("dev-q");
        var stateDir = Path.Combine(Path.GetTempPath(), $"rules-it-killq-{Guid.NewGuid():N}");
        var args = stack.Settings.Select(s => $"--{s.Key}={s.Value}").Append($"--Rules:StateDir={stateDir}").ToList();
        var t0 = RecentMinute();
        try
        {
            using (var first = ServiceProcess.Start(args))
            {
                for (ulong seq = 1; seq <= 40; seq++)
                    await stack.SendAsync(Of("dev-q", t0 + (long)seq * 100, seq, ("temperature", 1)));
                for (var i = 1; i <= 10; i++)
                    await stack.SendAsync(Of("dev-q", t0 + 5_000 + i * 100, null, ("pressure", i)));
                await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count == 50, "all 50 records processed");
                await WaitUntilCommittedAsync(stack, expectedRawRecords: 50);
                first.KillHard();
            }
            using var second = ServiceProcess.Start(args);
            for (ulong seq = 31; seq <= 45; seq++)
                await stack.SendAsync(Of("dev-q", t0 + (long)seq * 100, seq, ("temperature", 1)));
            await stack.SendAsync(Of("dev-q", t0 + 120_000, 46, ("temperature", 1)));

            var aggregates = await stack.ReadUntilAsync<MetricAggregate>(stack.Topics.TelemetryAgg1m, a => a.Count >= 2, "the first minute's aggregates");
            var enriched = await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count >= 56, "56 enriched records");

            Assert.Equal(Enumerable.Range(1, 46).Select(i => (ulong)i), enriched.Where(e => e.Record.HasSeq).Select(e => e.Record.Seq).Order());
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (double)i), enriched.Where(e => !e.Record.HasSeq).Select(e => e.Record.Metrics["pressure"]).Order());
            Assert.Equal(45UL, Assert.Single(aggregates, a => a.WindowStartMs == t0 && a.Metric == "temperature").Count);
            Assert.Equal(10UL, Assert.Single(aggregates, a => a.WindowStartMs == t0 && a.Metric == "pressure").Count);
        }
        finally
        {
            if (Directory.Exists(stateDir))
                Directory.Delete(stateDir, recursive: true);
        }
    }

    /// <summary>Until the processor's record of processed raw offsets (its replay guard's changelog) covers every raw record.</summary>
    private static async Task WaitUntilCommittedAsync(RulesStack stack, int expectedRawRecords)
    {
        var changelog = $"{stack.Settings["Rules:ApplicationId"]}-{RulesProcessor.Topology.ModuleContext.ReplayGuardStore(stack.Topics.TelemetryRaw)}-changelog";
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = KafkaFixture.Shared.BootstrapServers, GroupId = KafkaFixture.UniqueName("rules-it-guard"),
            AutoOffsetReset = AutoOffsetReset.Earliest, IsolationLevel = IsolationLevel.ReadCommitted, EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(changelog);
        var next = new Dictionary<string, long>();
        await Eventually.HoldsAsync(() =>
        {
            while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r)
                if (r.Message.Value is { Length: 8 } v)
                    next[r.Message.Key] = BitConverter.ToInt64(v); // Streamiz Int64SerDes: BitConverter layout
            return Task.FromResult(next.Values.Sum());
        }, sum => sum >= expectedRawRecords, TimeSpan.FromSeconds(60), $"the replay guard covering {expectedRawRecords} raw records");
        consumer.Close();
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
