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
        var sink = Rate(SinkLine(), output);
        var drivers = DriverLine().Matches(output).Select(m => Parse(m.Groups[1].Value)).ToList();
        if (exit != 0 || sink is null || drivers.Count == 0)
            return [BenchResult.Failed(name, goal, $"sink-vs-driver exited {exit}; see its output above")];
        var driver = drivers.Average();
        return [new BenchResult(name, $"{sink:N0} rows/s", $"{driver:N0} rows/s (ClickHouse.Driver inserts, same endpoint)", sink / driver, goal,
            "bench/SinkWriter.Benchmarks sink-vs-driver: the sink process against ClickHouse.Driver inserting the same rows from memory in batches of the same size; reference = mean of a driver run before and after the sink.")];
    }

    public static async Task<IReadOnlyList<BenchResult>> ProcessorAsync(bool quick)
    {
        const string goal = ">= 0.50x passthrough";
        string[] variants = ["passthrough", "all/at-least-once", "+threshold-alert"];
        await using var run = ChildProcess.Dotnet("rules", BenchPaths.RulesBenchmark,
            ["--records", quick ? "10000" : "50000", "--variants", string.Join(',', variants)]);
        var exit = await run.WaitAsync(TimeSpan.FromMinutes(quick ? 5 : 20));
        var json = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (exit != 0 || json is null)
            return [BenchResult.Failed("processor: records/s", goal, $"the rules benchmark exited {exit}; see its output above")];
        var rates = JsonSerializer.Deserialize<Dictionary<string, double>>(json)!;
        var passthrough = rates["passthrough"];
        const string notes = "bench/RulesProcessor.Benchmarks: the Streamiz topology with every built-in module (validate, dedupe, enrich, 1-minute window, threshold alert) against a Confluent.Kafka consume-and-produce passthrough of the same records on the same embedded broker.";
        return
        [
            new BenchResult("processor (at-least-once, as `up` runs it): records/s", $"{rates["all/at-least-once"]:N0} rec/s", $"{passthrough:N0} rec/s (passthrough)",
                rates["all/at-least-once"] / passthrough, goal, notes),
            new BenchResult("processor (exactly-once): records/s", $"{rates["+threshold-alert"]:N0} rec/s", $"{passthrough:N0} rec/s (passthrough)",
                rates["+threshold-alert"] / passthrough, goal, ""),
        ];
    }

    private static double? Rate(Regex line, string output) => line.Match(output) is { Success: true } m ? Parse(m.Groups[1].Value) : null;

    private static double Parse(string number) => double.Parse(number.Replace(",", ""), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^sink\s+([\d,]+)", RegexOptions.Multiline)]
    private static partial Regex SinkLine();

    [GeneratedRegex(@"^driver \((?:before|after)\)\s+([\d,]+)", RegexOptions.Multiline)]
    private static partial Regex DriverLine();
}
