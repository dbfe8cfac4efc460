using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>
/// The sink-writer's own build output run as a process over records already in Kafka. Progress is read from
/// its /metrics (sink_rows_written_total) every 10 ms; insert latencies from its debug log, one line per insert.
/// </summary>
internal static partial class SinkPath
{
    public static async Task<PathResult> RunAsync(string name, IReadOnlyDictionary<string, string> settings, long rows, int batch, CancellationToken ct)
    {
        var output = new ConcurrentQueue<string>();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(FindSinkDll());
        foreach (var (key, value) in settings)
            start.Environment["PIPELINE__" + key.Replace(":", "__")] = value;
        start.Environment["PIPELINE__Http__Url"] = "http://127.0.0.1:0";
        // As `up` and the Dockerfiles run it: optimised code without the runtime's tiering delay.
        start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        start.Environment["PIPELINE__Logging__LogLevel__Pipeline.SinkWriter.telemetry"] = "Debug";
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        using var log = new StreamWriter(LogFile) { AutoFlush = true };
        void Keep(string? line)
        {
            if (line is null)
                return;
            output.Enqueue(line);
            lock (log)
                log.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            TimeSpan? firstDone = null;
            long firstRows = 0;
            var deadline = TimeSpan.FromMinutes(10);
            while (clock.Elapsed < deadline)
            {
                ct.ThrowIfCancellationRequested();
                if (process.HasExited)
                    throw new InvalidOperationException($"The sink exited with code {process.ExitCode}:\n{string.Join('\n', output)}");
                var written = await RowsWrittenAsync(http, output);
                if (written > 0 && firstDone is null)
                    (firstDone, firstRows) = (clock.Elapsed, written);
                if (written >= rows)
                {
                    var done = clock.Elapsed;
                    // The last insert's log line may still be on its way through the pipe.
                    var inserts = Math.Max(1, rows / batch);
                    for (var wait = 0; wait < 100 && output.Count(l => InsertLine().IsMatch(l)) < inserts; wait++)
                        await Task.Delay(20, ct);
                    var latencies = output.Select(l => InsertLine().Match(l)).Where(m => m.Success)
                        .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
                    process.Refresh();
                    return new PathResult(name, rows, firstRows, firstDone!.Value, done, LatencySummary.Of(latencies))
                    {
                        // From the sink's start: its start-up is in there too.
                        Cpu = process.TotalProcessorTime + Process.GetCurrentProcess().TotalProcessorTime - cpuBefore,
                    };
                }
                await Task.Delay(10, ct); // sampling interval of the progress counter
            }
            throw new TimeoutException($"The sink did not write {rows} rows within {deadline}:\n{string.Join('\n', output.TakeLast(50))}");
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The sink's log of the last run, for a look at its batches.</summary>
    public static string LogFile { get; } = Path.Combine(Path.GetTempPath(), "sink-vs-driver.sink.log");

    private static async Task<long> RowsWrittenAsync(HttpClient http, IEnumerable<string> output)
    {
        var url = output.Select(l => ListeningOn().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;
        if (url is null)
            return 0;
        try
        {
            var metrics = await http.GetStringAsync(url + "/metrics");
            var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("sink_rows_written_total{table=\"telemetry\"}", StringComparison.Ordinal));
            return line is null ? 0 : (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static string FindSinkDll()
    {
        var configuration = typeof(SinkPath).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var relative = Path.Combine("services", "sink-writer", "bin", configuration, "net10.0", "Pipeline.SinkWriter.dll");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException($"{relative} was not found above {AppContext.BaseDirectory}; build the benchmark (it builds the sink).");
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    [GeneratedRegex(@"Inserted \d+ rows into telemetry in ([\d.]+) ms")]
    private static partial Regex InsertLine();
}
