using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>
/// One sink-writer process (its own build output) kept running for every round, so each round measures a warm
/// sink: started, joined to its group and JIT-compiled before the first measured row. Progress and insert latencies
/// are read from its debug log (one line per insert, one per commit) as it is written: scraping its /metrics every
/// 10 ms instead cost the sink a tenth of its CPU (prometheus-net reads /proc on every scrape).
/// </summary>
internal sealed partial class SinkPath : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly StreamWriter _log;
    private int _insertLinesSeen;
    private long _rowsCommitted;

    private SinkPath(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    /// <summary>The sink's log, for a look at its batches.</summary>
    public static string LogFile { get; } = Path.Combine(Path.GetTempPath(), "sink-vs-driver.sink.log");

    /// <summary>Rows the sink has written and committed since it started.</summary>
    public long RowsWritten => Interlocked.Read(ref _rowsCommitted);

    public static SinkPath Start(IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(FindSinkDll());
        foreach (var (key, value) in settings)
            start.Environment["PIPELINE__" + key.Replace(":", "__")] = value;
        start.Environment["PIPELINE__Http__Url"] = "http://127.0.0.1:0";
        // As `up` and the Dockerfiles run it: optimised code without the runtime's tiering delay.
        start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        start.Environment["PIPELINE__Logging__LogLevel__Pipeline.SinkWriter.telemetry"] = "Debug";
        var process = Process.Start(start)!;
        var path = new SinkPath(process, new StreamWriter(LogFile) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => path.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => path.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return path;
    }

    public int ProcessId => _process.Id;

    /// <summary>CPU time the sink process has used since it started.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Waits until the sink has written <paramref name="rows"/> more rows than before; the round's clock started
    /// when its records were first produced. Returns the round's rows/s (all rows over the whole round) and the
    /// latencies of the round's inserts.
    /// </summary>
    public async Task<PathResult> WaitForRoundAsync(string name, long rows, int batch, Stopwatch roundClock, TimeSpan cpuBefore, TimeSpan sinkCpuBefore, CancellationToken ct)
    {
        var target = RowsWritten + rows;
        var deadline = TimeSpan.FromMinutes(10);
        while (roundClock.Elapsed < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited)
                throw new InvalidOperationException($"The sink exited with code {_process.ExitCode}:\n{string.Join('\n', _output.TakeLast(50))}");
            if (RowsWritten >= target)
            {
                var done = roundClock.Elapsed;
                // The last insert's log line may still be on its way through the pipe.
                var expected = _insertLinesSeen + Math.Max(1, rows / batch);
                for (var wait = 0; wait < 100 && InsertLines().Count() < expected; wait++)
                    await Task.Delay(20, ct);
                var latencies = InsertLines().Skip(_insertLinesSeen).ToList();
                _insertLinesSeen += latencies.Count;
                return new PathResult(name, rows, done, LatencySummary.Of(latencies))
                {
                    Cpu = Cpu + Process.GetCurrentProcess().TotalProcessorTime - cpuBefore,
                    SinkCpu = Cpu - sinkCpuBefore,
                };
            }
            await Task.Delay(5, ct); // sampling interval of the progress counter (in this process)
        }
        throw new TimeoutException($"The sink did not write {rows} rows within {deadline} (the embedded Kafka keeps only about 5 MiB per partition: " +
            $"a sink further behind than that loses records; use more --partitions or fewer --records):\n{string.Join('\n', _output.TakeLast(50))}");
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        if (CommitLine().Match(line) is { Success: true } commit)
            Interlocked.Add(ref _rowsCommitted, long.Parse(commit.Groups[1].Value, CultureInfo.InvariantCulture));
        lock (_log)
            _log.WriteLine(line);
    }

    private IEnumerable<double> InsertLines() => _output.Select(l => InsertLine().Match(l)).Where(m => m.Success)
        .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

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

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        await _log.DisposeAsync();
    }

    [GeneratedRegex(@"Wrote bench\S+ \((\d+) rows\) and committed")]
    private static partial Regex CommitLine();

    [GeneratedRegex(@"Inserted \d+ rows into telemetry in ([\d.]+) ms")]
    private static partial Regex InsertLine();
}
