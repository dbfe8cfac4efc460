using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Bench;

/// <summary>
/// The sink's and the processor's own benchmarks (bench/SinkWriter.Benchmarks, bench/RulesProcessor.Benchmarks),
/// started as processes with their reference in the same run; their printed results are read back.
/// </summary>
internal static partial class ServiceBenchmarks
{
    public static async Task<IReadOnlyList<BenchResult>> SinkAsync(bool quick)
    {
        const string name = "sink: rows/s Kafka -> ClickHouse";
        const string goal = ">= 0.80x raw inserts";
        // Quick: 80k rows, 4 partitions, inserts of 5k rows (the counts divide, as the benchmark requires); full: its defaults.
        string[] args = quick ? ["sink-vs-driver", "--records", "16000", "--metrics", "5", "--batch", "5000", "--partitions", "4"] : ["sink-vs-driver"];
        await using var run = ChildProcess.Dotnet("sink", BenchPaths.SinkBenchmark, args);
        var exit = await run.WaitAsync(TimeSpan.FromMinutes(quick ? 5 : 20));
        var output = run.Stdout;
        // The benchmark alternates driver and sink rounds and prints each ("sink #2  142,179 ...") and the median ratio of the rounds.
        var sinks = SinkLine().Matches(output).Select(m => Parse(m.Groups[1].Value)).ToList();
        var drivers = DriverLine().Matches(output).Select(m => Parse(m.Groups[1].Value)).ToList();
        var median = MedianLine().Match(output) is { Success: true } m ? Parse(m.Groups[1].Value) : (double?)null;
        if (exit != 0 || sinks.Count == 0 || drivers.Count == 0 || median is null)
            return [BenchResult.Failed(name, goal, $"sink-vs-driver exited {exit} (or printed no rounds); see its output above")];
        return [new BenchResult(name, $"{sinks.Average():N0} rows/s", $"{drivers.Average():N0} rows/s (ClickHouse.Driver inserts, same endpoint)", median, goal,
            $"bench/SinkWriter.Benchmarks sink-vs-driver: the sink process draining each round's records (committed to Kafka in one transaction when the round starts) against ClickHouse.Driver inserting the same rows from memory in batches of the same size, {sinks.Count} alternating rounds; ratio = median of the per-round ratios.")];
    }

    public static async Task<IReadOnlyList<BenchResult>> ProcessorAsync(bool quick)
    {
        const string goal = ">= 0.50x passthrough";
        const string goalVsStreamiz = ">= 0.50x Streamiz, no module";
        string[] variants = ["passthrough", "source-only/at-least-once", "all/at-least-once", "+threshold-alert"];
        await using var run = ChildProcess.Dotnet("rules", BenchPaths.RulesBenchmark,
            ["--records", quick ? "10000" : "50000", "--variants", string.Join(',', variants)]);
        var exit = await run.WaitAsync(TimeSpan.FromMinutes(quick ? 5 : 20));
        var json = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (exit != 0 || json is null)
            return [BenchResult.Failed("processor: records/s", goal, $"the rules benchmark exited {exit}; see its output above")];
        var rates = JsonSerializer.Deserialize<Dictionary<string, double>>(json)!;
        var passthrough = rates["passthrough"];
        var streamiz = rates["source-only/at-least-once"];
        const string notes = "bench/RulesProcessor.Benchmarks: the Streamiz topology with every built-in module (validate, dedupe, enrich, 1-minute window, threshold alert) against a Confluent.Kafka consume-and-produce passthrough of the same records on the same embedded broker.";
        return
        [
            new BenchResult("processor (at-least-once, as `up` runs it): records/s", $"{rates["all/at-least-once"]:N0} rec/s", $"{passthrough:N0} rec/s (passthrough)",
                rates["all/at-least-once"] / passthrough, goal, notes),
            new BenchResult("processor (exactly-once): records/s", $"{rates["+threshold-alert"]:N0} rec/s", $"{passthrough:N0} rec/s (passthrough)",
                rates["+threshold-alert"] / passthrough, goal, ""),
            // Issue 17: what our modules cost on top of Streamiz itself (same source checks and sink, no module).
            new BenchResult("processor (at-least-once) vs Streamiz with no module", $"{rates["all/at-least-once"]:N0} rec/s", $"{streamiz:N0} rec/s (no module)",
                rates["all/at-least-once"] / streamiz, goalVsStreamiz, "The same topology's source checks and enriched sink with no module, at-least-once, same run."),
        ];
    }

    /// <summary>What operator rules cost the processor: the same records with 0, 1 and 10 enabled rules (docs/rules.md).</summary>
    public static async Task<IReadOnlyList<BenchResult>> RulesCostAsync(bool quick)
    {
        const string goal = ">= 0.75x (0 rules)";
        string[] variants = ["rules-0", "rules-1", "rules-10"];
        await using var run = ChildProcess.Dotnet("rules", BenchPaths.RulesBenchmark,
            ["--records", quick ? "10000" : "50000", "--variants", string.Join(',', variants)]);
        var exit = await run.WaitAsync(TimeSpan.FromMinutes(quick ? 5 : 20));
        var json = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (exit != 0 || json is null)
            return [BenchResult.Failed("rules: records/s with 10 rules", goal, $"the rules benchmark exited {exit}; see its output above")];
        var rates = JsonSerializer.Deserialize<Dictionary<string, double>>(json)!;
        var none = rates["rules-0"];
        const string notes = "bench/RulesProcessor.Benchmarks: validate, dedupe, enrich and the rules module (at-least-once) on the same records with 0, 1 and 10 enabled rules; "
            + "half the rules match the telemetry topic (WHERE on every record, a kafka action for ~1 in 14), half filter events.";
        return
        [
            new BenchResult("rules: records/s with 1 rule", $"{rates["rules-1"]:N0} rec/s", $"{none:N0} rec/s (0 rules)", rates["rules-1"] / none, goal, notes),
            new BenchResult("rules: records/s with 10 rules", $"{rates["rules-10"]:N0} rec/s", $"{none:N0} rec/s (0 rules)", rates["rules-10"] / none, goal, ""),
        ];
    }

    private static double Parse(string number) => double.Parse(number.Replace(",", ""), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^sink #\d+\s+([\d,]+)", RegexOptions.Multiline)]
    private static partial Regex SinkLine();

    [GeneratedRegex(@"^driver #\d+\s+([\d,]+)", RegexOptions.Multiline)]
    private static partial Regex DriverLine();

    [GeneratedRegex(@"median ([\d.]+)")]
    private static partial Regex MedianLine();
}
