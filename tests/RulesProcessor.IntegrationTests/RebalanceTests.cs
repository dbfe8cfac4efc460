using Pipeline.Contracts;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>
/// Two processor instances in one application (one consumer group, as `up --processors 2` runs them), each its own process.
/// </summary>
public sealed class RebalanceTests
{
    private const short OffsetCommitApi = 8;
    private const int Devices = 6;
    private const int PerDevice = 20;

    /// <summary>
    /// CI's scale-out kill test: Kafka answered "Group rebalance in progress" to the commit a processor made while a
    /// rebalance took its partitions away; Streamiz's stream thread then slept for good (its rebalance flag stayed set),
    /// with the health check still RUNNING, and one partition's records never came out. Here the second instance's
    /// arrival is that rebalance and the refusal is injected into the embedded Kafka; no periodic commit comes first
    /// (a 5-minute commit interval), so the refused commit is the revocation's. Both instances must go on, and every
    /// record must come out once (the refused offsets are processed again by the next owner; replay protection).
    /// </summary>
    [Fact]
    public async Task A_commit_refused_while_a_rebalance_takes_partitions_away_does_not_stop_the_processor()
    {
        var kafka = KafkaFixture.Private(brokers: 1);
        var cluster = kafka.Cluster!;
        await using var stack = new RulesStack(kafka, "revoke", ("Rules:Guarantee", "AtLeastOnce"), ("Rules:CommitInterval", "00:05:00"));
        var devices = Enumerable.Range(1, Devices).Select(i => $"dev-r{i}").ToList();
        foreach (var device in devices)
            await stack.RegisterAsync(device);
        var t0 = RecentMinute();
        var stateDirs = new List<string>();
        try
        {
            using var first = ServiceProcess.Start(Arguments(stack, stateDirs));
            await SendAsync(stack, devices, t0, 1, PerDevice / 2);
            await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count >= Devices * PerDevice / 2,
                "the first instance processes the first half");

            cluster.PushRequestErrors(OffsetCommitApi, Confluent.Kafka.ErrorCode.RebalanceInProgress);
            using var second = ServiceProcess.Start(Arguments(stack, stateDirs));
            await Eventually.HoldsAsync(() => Task.FromResult(first.Output), o => o.Contains("Group rebalance in progress"),
                TimeSpan.FromSeconds(60), "the first instance's commit is refused as the second joins (the fault reached the revocation)");
            await SendAsync(stack, devices, t0, PerDevice / 2 + 1, PerDevice / 2);

            var enriched = await stack.ReadAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched,
                e => e.Select(r => (r.Record.DeviceId, r.Record.Seq)).Distinct().Count() >= Devices * PerDevice, TimeSpan.FromSeconds(90));
            var written = enriched.Select(r => (r.Record.DeviceId, r.Record.Seq)).ToList();
            var expected = devices.SelectMany(d => Enumerable.Range(1, PerDevice).Select(s => (d, (ulong)s))).ToList();
            var missing = expected.Except(written).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} records never came out, first {string.Join(", ", missing.Take(10))}.\n"
                + $"First instance:\n{Tail(first.Output)}\nSecond instance:\n{Tail(second.Output)}");
            Assert.Equal(written.Count, written.Distinct().Count());
            Assert.DoesNotContain("cannot go on in this process", first.Output + second.Output);
        }
        finally
        {
            cluster.ClearRequestErrors(OffsetCommitApi);
            foreach (var dir in stateDirs.Where(Directory.Exists))
                Directory.Delete(dir, recursive: true);
            cluster.Dispose();
        }
    }

    private static List<string> Arguments(RulesStack stack, List<string> stateDirs)
    {
        var stateDir = Path.Combine(Path.GetTempPath(), $"rules-it-revoke-{Guid.NewGuid():N}");
        stateDirs.Add(stateDir);
        return stack.Settings.Select(s => $"--{s.Key}={s.Value}").Append($"--Rules:StateDir={stateDir}").ToList();
    }

    private static async Task SendAsync(RulesStack stack, List<string> devices, long t0, int firstSeq, int count)
    {
        for (var seq = firstSeq; seq < firstSeq + count; seq++)
            foreach (var device in devices)
                await stack.SendAsync(Of(device, t0 + seq * 100L, (ulong)seq, ("temperature", seq)));
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(25));
}
