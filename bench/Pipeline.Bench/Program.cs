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
using var machine = await BenchLock.AcquireAsync(TimeSpan.FromMinutes(60));
if (machine is null)
{
    Console.Error.WriteLine($"error: another benchmark run has held this machine for an hour ({BenchLock.Holder()}); stop it or wait for it, then run again");
    return 3;
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
        // `up`'s output ends in a stack trace: the line that says what went wrong is the exception's, not the last one.
        var lines = e.Message.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("at ", StringComparison.Ordinal)).ToList();
        var cause = lines.FirstOrDefault(l => l.Contains("exception", StringComparison.OrdinalIgnoreCase)) ?? lines.LastOrDefault() ?? e.Message;
        results.Add(BenchResult.Failed("pipeline start (end-to-end, bridge)", "-", cause));
    }
    if (started is not null)
    {
        await using var pipeline = started;
        var simulatorDevices = Path.Combine(pipeline.StateDir, "simulator", "devices.json");
        async Task RegisterLoadDevicesAsync()
        {
            if (!File.Exists(simulatorDevices))
                await pipeline.SimulateAsync(TimeSpan.FromMinutes(2), "--devices", BridgeVsMosquitto.Connections.ToString(CultureInfo.InvariantCulture), "--rate", "8", "--duration", "1s", "--register");
        }
        // Headroom first: rising shares of Mosquitto's bare rate until the pipeline no longer keeps up (each step drains).
        var held = 0;
        IReadOnlyList<double> shares = options.Quick ? [0.1, 0.2] : Enumerable.Range(2, 9).Select(i => i / 10.0).ToList();
        await Part("sustained", async () =>
        {
            await RegisterLoadDevicesAsync();
            var (result, rate) = await SustainedThroughput.RunAsync(pipeline, shares, options.Quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60),
                options.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(20));
            held = rate;
            return [result];
        }, "sustained throughput");
        // Then latency at half the rate just held (issue 17's goal: p99 under 1 s), or at --rate when given.
        var (e2eRate, e2eGoal) = held > 0 && !options.RateGiven ? (held / 2, TimeSpan.FromSeconds(1)) : (options.Rate, TimeSpan.FromSeconds(2));
        // Each simulated device stays at 50 msg/s, well under the bridge's default per-device limit of 100.
        await Part("e2e", async () => [await EndToEndLatency.RunAsync(pipeline, e2eRate, options.Duration, options.Warmup, Math.Max(1, e2eRate / 50), e2eGoal)], "end-to-end latency");
        // Idle connections next (before the ingest run, which leaves the processor and sink busy behind it).
        await Part("connections", () => IdleConnections.RunAsync(pipeline, options.Connections),
            $"bridge vs Mosquitto: {options.Connections:N0} idle connections");
        // A reconnect storm to a restarted bridge (it kills the bridge; `up` restarts it).
        await Part("storm", () => ReconnectStorm.RunAsync(pipeline, options.Connections),
            $"reconnect storm: {options.Connections:N0} first connects, bridge vs Mosquitto");
        await Part("bridge", async () =>
        {
            await RegisterLoadDevicesAsync();
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

internal sealed record BenchOptions(bool Quick, int Rate, bool RateGiven, TimeSpan Duration, TimeSpan Warmup, int Connections, IReadOnlySet<string> Parts)
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
        return new BenchOptions(quick, rate, Value("--rate") is not null, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmup), connections, parts);
    }
}
