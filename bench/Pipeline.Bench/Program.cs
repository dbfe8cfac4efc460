using System.Globalization;
using Pipeline.Bench;

// ./pipeline bench [--quick] [--rate N] [--duration SECONDS] [--warmup SECONDS] [--connections N] [--only processor,rules,sink,e2e,sustained,connections,storm,bridge,bridge-alone]
// Every benchmark next to its reference in one run; one table on stdout, bench/results/latest.md and .json.
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: bench [--quick] [--rate MSGS_PER_S] [--duration SECONDS] [--warmup SECONDS] [--connections N] [--only processor,rules,sink,e2e,sustained,connections,storm,bridge,bridge-alone]");
    return 2;
}
// Before anything is started: `up` (so the bridge), Mosquitto and the load generator inherit it.
if (options.Parts.Overlaps(["connections", "storm"]) && FileLimits.EnsureAtLeast(options.Connections + 2_000) is { } limitProblem)
    Console.Error.WriteLine($"warning: {limitProblem}");
var run = RunInfo.Now(options.Quick, args);
Console.Error.WriteLine($"Benchmarks ({(options.Quick ? "quick" : "full")}) on {run.Machine}");
var results = new List<BenchResult>();

async Task Part(string part, Func<Task<IReadOnlyList<BenchResult>>> body, string name)
{
    if (!options.Parts.Contains(part)) return;
    Console.Error.WriteLine($"== {name}");
    try
    {
        results.AddRange(await body());
    }
    catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.ComponentModel.Win32Exception or Pipeline.DeviceRegistry.DeviceRegistryException)
    {
        results.Add(BenchResult.Failed(name, "-", e.Message.Split('\n')[0]));
    }
}

await Part("processor", () => ServiceBenchmarks.ProcessorAsync(options.Quick), "processor vs passthrough");
await Part("rules", () => ServiceBenchmarks.RulesCostAsync(options.Quick), "processor with 0, 1 and 10 operator rules");
await Part("sink", () => ServiceBenchmarks.SinkAsync(options.Quick), "sink vs raw inserts");
// The bridge on its own stack (devstack + one bridge process), before `up` starts anything else.
await Part("bridge-alone", () => BridgeAlone.RunAsync(options.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(20)), "bridge alone vs Mosquitto with no subscriber");
if (options.Parts.Overlaps(["e2e", "sustained", "bridge", "connections", "storm"]))
{
    Console.Error.WriteLine("== starting the pipeline (`up --fresh` in a private state folder)");
    PipelineUp? started = null;
    try
    {
        started = await PipelineUp.StartAsync();
    }
    catch (InvalidOperationException e)
    {
        results.Add(BenchResult.Failed("pipeline start (end-to-end, bridge)", "-", e.Message.Split('\n').LastOrDefault(l => l.Length > 0) ?? e.Message));
    }
    if (started is not null)
    {
        await using var pipeline = started;
        // Latency first, on an idle pipeline: the bridge benchmark leaves a backlog behind it.
        await Part("e2e", async () => [await EndToEndLatency.RunAsync(pipeline, options.Rate, options.Duration, options.Warmup, options.Devices)], "end-to-end latency");
        // Rising rates until the pipeline no longer keeps up (each step starts drained); the search stops at the first step that does not hold.
        IReadOnlyList<int> rates = options.Quick ? [1_000, 2_000] : Enumerable.Range(1, 15).Select(i => i * 2_000).ToList();
        await Part("sustained", async () => [await SustainedThroughput.RunAsync(pipeline, rates, options.Quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60), options.Devices)],
            "sustained throughput");
        // Idle connections next (before the ingest run, which leaves the processor and sink busy behind it).
        await Part("connections", () => IdleConnections.RunAsync(pipeline, options.Connections),
            $"bridge vs Mosquitto: {options.Connections:N0} idle connections");
        // A reconnect storm to a restarted bridge (it kills the bridge; `up` restarts it).
        await Part("storm", () => ReconnectStorm.RunAsync(pipeline, options.Connections),
            $"reconnect storm: {options.Connections:N0} first connects, bridge vs Mosquitto");
        await Part("bridge", async () =>
        {
            if (!File.Exists(Path.Combine(pipeline.StateDir, "simulator", "devices.json")))
                await pipeline.SimulateAsync(TimeSpan.FromMinutes(2), "--devices", BridgeVsMosquitto.Connections.ToString(CultureInfo.InvariantCulture), "--rate", "8", "--duration", "1s", "--register");
            return await BridgeVsMosquitto.RunAsync(pipeline, options.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(20));
        }, "bridge vs Mosquitto");
        Console.Error.WriteLine("== stopping the pipeline");
    }
}

Console.WriteLine();
Console.WriteLine(ResultReport.Table(results));
Directory.CreateDirectory(BenchPaths.ResultsDir);
File.WriteAllText(Path.Combine(BenchPaths.ResultsDir, "latest.md"), ResultReport.Markdown(results, run));
File.WriteAllText(Path.Combine(BenchPaths.ResultsDir, "latest.json"), ResultReport.Json(results, run));
Console.WriteLine($"Written: {Path.Combine(BenchPaths.ResultsDir, "latest.md")} and latest.json");
return results.Any(r => r.Ours == "failed") ? 1 : 0;

internal sealed record BenchOptions(bool Quick, int Rate, TimeSpan Duration, TimeSpan Warmup, int Devices, int Connections, IReadOnlySet<string> Parts)
{
    public static BenchOptions? Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var rate = Value("--rate") is { } r ? int.TryParse(r, out var n) && n > 0 ? n : -1 : quick ? 2_000 : 10_000;
        var seconds = Value("--duration") is { } d ? int.TryParse(d.TrimEnd('s'), out var s) && s > 0 ? s : -1 : quick ? 10 : 60;
        // The end-to-end part publishes this long before it measures: the first seconds after every service started are its cold start.
        var warmup = Value("--warmup") is { } w ? int.TryParse(w.TrimEnd('s'), out var ws) && ws >= 0 ? ws : -1 : quick ? 3 : 10;
        var connections = Value("--connections") is { } c ? int.TryParse(c, out var k) && k is > 0 and <= 99_999 ? k : -1 : quick ? 1_000 : 10_000;
        if (rate < 0 || seconds < 0 || warmup < 0 || connections < 0) return null;
        HashSet<string> all = ["processor", "rules", "sink", "e2e", "sustained", "connections", "storm", "bridge", "bridge-alone"];
        var parts = Value("--only") is { } only ? only.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet() : all;
        if (!parts.IsSubsetOf(all)) return null;
        // Each simulated device stays at 50 msg/s, well under the bridge's default per-device limit of 100.
        return new BenchOptions(quick, rate, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmup), Math.Max(1, rate / 50), connections, parts);
    }
}
