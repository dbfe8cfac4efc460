using System.CommandLine;
using System.Diagnostics;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline bench [--quick]`: runs bench/Pipeline.Bench (built with the solution) as its own process,
/// which starts every benchmark and its reference side by side and writes bench/results/latest.{md,json}.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A few seconds per benchmark: a smoke check, not a measurement." };
        var rate = new Option<int?>("--rate") { Description = "End-to-end latency: messages per second over the fleet (default 10000; 2000 with --quick)." };
        var duration = new Option<int?>("--duration") { Description = "End-to-end latency: seconds of publishing (default 60; 10 with --quick)." };
        var warmup = new Option<int?>("--warmup") { Description = "End-to-end latency: seconds of publishing before the measured part, reported apart as the cold start (default 10)." };
        var connections = new Option<int?>("--connections") { Description = "Idle connections: how many devices connect at once (default 10000; 1000 with --quick)." };
        var only = new Option<string?>("--only") { Description = "Comma-separated parts: processor,rules,sink,e2e,sustained,connections,storm,bridge,bridge-alone (default: all)." };
        var command = new Command("bench", "Benchmarks side by side with their references (bridge vs Mosquitto: ingest, idle connections and a reconnect storm, sink vs raw inserts, processor vs passthrough, processor with 0/1/10 rules, end-to-end latency).")
        {
            quick, rate, duration, warmup, connections, only,
        };
        command.SetAction(async (parse, ct) =>
        {
            var args = new List<string>();
            if (parse.GetValue(quick)) args.Add("--quick");
            if (parse.GetValue(rate) is { } r) args.AddRange(["--rate", r.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (parse.GetValue(duration) is { } d) args.AddRange(["--duration", d.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (parse.GetValue(warmup) is { } w) args.AddRange(["--warmup", w.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (parse.GetValue(connections) is { } c) args.AddRange(["--connections", c.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (parse.GetValue(only) is { } o) args.AddRange(["--only", o]);
            return await RunAsync(args, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        // Same configuration and framework folders as this CLI (bin/<Configuration>/<tfm>/).
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var runner = Path.Combine(RepositoryPaths.Root, "bench", "Pipeline.Bench", "bin", here.Parent!.Name, here.Name, "Pipeline.Bench.dll");
        if (!File.Exists(runner))
        {
            Console.Error.WriteLine($"The benchmark runner is not built ({runner}): run `dotnet build Pipeline.sln -c {here.Parent.Name}` or ./pipeline again.");
            return 2;
        }
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(runner);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PIPELINE_HOME"] = RepositoryPaths.Root;
        using var process = Process.Start(start)!;
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return 130;
        }
        return process.ExitCode;
    }
}
