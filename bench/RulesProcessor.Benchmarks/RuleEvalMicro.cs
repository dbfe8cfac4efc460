using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Modules.Rules;
using Pipeline.RulesProcessor.Topology;
using Pipeline.RulesSql.Definitions;
using Prometheus;

namespace Pipeline.RulesProcessor.Benchmarks;

/// <summary>
/// `--rules-eval`: the rules engine alone as its evaluating node runs it (no Kafka, no Streamiz), nanoseconds per telemetry
/// record with 0, 1 and 10 rules of the rules variants, over the same records in turn. What is left of the processor
/// bench's rules-10 / rules-0 gap beyond this is Streamiz forwarding and producing the outputs.
/// </summary>
internal static class RuleEvalMicro
{
    private const int Rounds = 9;

    public static void Run(int records, int devices)
    {
        var data = Records(records, devices);
        var topics = new KafkaTopics();
        Console.WriteLine($"rules engine alone, {records} telemetry records of {devices} devices, {Rounds} rounds (ns per record; the least is the figure: a loaded machine only adds):");
        var least = new Dictionary<int, double>();
        foreach (var round in Enumerable.Range(1, Rounds))
        {
            var line = new List<string>();
            foreach (var count in new[] { 0, 1, 10 })
            {
                var metrics = new RuleMetrics(Metrics.WithCustomRegistry(new CollectorRegistry()));
                var book = new RuleBook(NullLogger<RuleBook>.Instance, metrics);
                foreach (var rule in RuleVariants.Definitions(count, "bench.rule.out"))
                    book.Put(rule);
                var engine = new RuleEngine(new RuleActionWriter(topics, new RuleActionOptions(), metrics, AnyTopicExists.Instance), metrics);
                var outputs = new List<RuleOutput>();
                var matches = new RuleMatchCache();
                var produced = 0L;
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < data.Length; i++)
                {
                    var rules = book.Current;
                    if (rules.Enabled.Length == 0)
                        continue;
                    var subject = new TelemetrySubject(data[i]);
                    var matching = matches.Matching(rules, subject.Topic);
                    if (matching.Length == 0)
                        continue;
                    outputs.Clear();
                    engine.RunMatching(matching, subject, new SourceRef("bench", i & 3, i), outputs);
                    produced += outputs.Count;
                }
                var ns = clock.Elapsed.TotalNanoseconds / data.Length;
                least[count] = Math.Min(least.GetValueOrDefault(count, double.MaxValue), ns);
                line.Add($"rules-{count} {ns,7:N0} ns ({produced} outputs)");
            }
            Console.WriteLine($"round {round}: {string.Join("   ", line)}");
        }
        Console.WriteLine($"least: {string.Join("   ", least.Select(l => $"rules-{l.Key} {l.Value,7:N0} ns"))}");
    }

    private static EnrichedTelemetry[] Records(int records, int devices)
    {
        var random = new Random(42);
        var data = new EnrichedTelemetry[records];
        for (var i = 0; i < records; i++)
        {
            var device = $"sim-{i % devices + 1:00000}";
            data[i] = new EnrichedTelemetry
            {
                Record = new TelemetryRecord
                {
                    DeviceId = device, DeviceTsMs = 1_000 + i, ReceivedTsMs = 1_000 + i, Seq = (ulong)(i / devices + 1),
                    Topic = $"devices/{device}/telemetry", BridgeInstance = "bench",
                    Metrics = { ["temperature"] = 20 + random.NextDouble() * 70, ["humidity"] = random.NextDouble() * 100, ["pressure"] = 1000 + random.NextDouble() * 30 },
                },
                Attributes = { ["site"] = $"site-{i % devices % 10}", ["model"] = "th-100" },
            };
        }
        return data;
    }
}
