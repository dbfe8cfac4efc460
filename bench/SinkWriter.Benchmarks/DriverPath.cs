using System.Diagnostics;
using ClickHouse.Driver;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>ClickHouse.Driver inserting rows held in memory, batch after batch, with the options the sink uses.</summary>
internal static class DriverPath
{
    public static async Task<PathResult> RunAsync(string name, string connectionString, IReadOnlyList<string> columns, List<object[]> rows, int batch, CancellationToken ct)
    {
        using var client = new ClickHouseClient(connectionString);
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        TimeSpan firstDone = default;
        var run = Guid.NewGuid().ToString("N");
        for (var start = 0; start < rows.Count; start += batch)
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
            await client.InsertBinaryAsync("telemetry", columns, rows.GetRange(start, count), options, ct);
            latencies.Add((clock.Elapsed - began).TotalMilliseconds);
            if (start == 0)
                firstDone = clock.Elapsed;
        }
        return new PathResult(name, rows.Count, Math.Min(batch, rows.Count), firstDone, clock.Elapsed, LatencySummary.Of(latencies));
    }
}
