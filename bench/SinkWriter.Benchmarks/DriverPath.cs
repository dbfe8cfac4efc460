using System.Collections.Concurrent;
using System.Diagnostics;
using ClickHouse.Driver;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>
/// ClickHouse.Driver inserting rows held in memory, in batches, with the options the sink uses and as many
/// inserts at a time as the sink's InsertConcurrency.
/// </summary>
internal static class DriverPath
{
    public static async Task<PathResult> RunAsync(string name, string connectionString, IReadOnlyList<string> columns, List<object[]> rows,
        int batch, int concurrency, CancellationToken ct)
    {
        using var client = new ClickHouseClient(connectionString);
        var latencies = new ConcurrentBag<double>();
        var run = Guid.NewGuid().ToString("N");
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var starts = Enumerable.Range(0, (rows.Count + batch - 1) / batch).Select(i => i * batch);
        await Parallel.ForEachAsync(starts, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (start, token) =>
        {
            var count = Math.Min(batch, rows.Count - start);
            var options = new InsertOptions
            {
                BatchSize = count,
                MaxDegreeOfParallelism = 1,
                UseSchemaCache = true,
                CustomSettings = new Dictionary<string, object> { ["insert_deduplicate"] = 1, ["insert_deduplication_token"] = $"{run}:{start}" },
            };
            var began = clock.Elapsed;
            await client.InsertBinaryAsync("telemetry", columns, rows.GetRange(start, count), options, token);
            latencies.Add((clock.Elapsed - began).TotalMilliseconds);
        });
        return new PathResult(name, rows.Count, clock.Elapsed, LatencySummary.Of(latencies))
        {
            Cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore,
        };
    }
}
