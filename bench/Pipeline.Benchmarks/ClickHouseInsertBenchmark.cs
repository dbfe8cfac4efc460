using System.Diagnostics;
using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.Compression;
using Pipeline.ClickHouseSchema;
using Pipeline.EmbeddedStack.ClickHouse;

namespace Pipeline.Benchmarks;

/// <summary>
/// How much of chDB's insert throughput survives the production path. Path (a) is what the sink
/// does: ClickHouse.Driver InsertBinaryAsync (one request per batch, with a deduplication token) over HTTP to the embedded endpoint, which spools
/// the body and runs INSERT ... FROM INFILE. Path (b) is that last step alone: the same rows,
/// already in RowBinary, inserted with chDB's INSERT ... FROM INFILE. Both write into
/// iot.telemetry's shape in one database, in one process, alternating order each round.
/// </summary>
internal sealed class ClickHouseInsertBenchmark(int rowsPerRound, int batchSize, int rounds, string compression, string chdbLibrary)
{
    private readonly IClickHouseCompressor? _compressor = compression switch
    {
        "zstd" => ZstdCompressor.Default,
        "lz4" => Lz4Compressor.Default,
        "gzip" => GZipCompressor.Default,
        _ => null,
    };

    private long _nextOffset;
    private long _tokens;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"pipeline-bench-clickhouse-{Guid.NewGuid():N}");
        Console.WriteLine($"clickhouse-insert: {rowsPerRound:N0} rows per path per round, batches of {batchSize:N0}, {rounds} round(s) after a warm-up, driver bodies {compression}");
        Console.WriteLine($"  engine {chdbLibrary}");
        try
        {
            using var engine = ChdbEngine.Open(chdbLibrary, dataDir);
            var credentials = Pipeline.EmbeddedStack.Credentials.StackCredentials.Generate();
            await using var endpoint = await ClickHouseHttpEndpoint.StartAsync(engine, credentials.ClickHouseUsers(), "http://127.0.0.1:0", ct: ct);
            var database = $"bench_{Guid.NewGuid():N}";
            // The migrator applies the schema and inserts too: this benchmark compares insert paths, not roles.
            var owner = credentials.ClickHouse.Migrator;
            var connectionString = $"Host=127.0.0.1;Port={endpoint.Port};Database={database};Username={owner.User};Password={owner.Password}";
            using (var migrator = new ClickHouseMigrator(connectionString, database))
                await migrator.MigrateAsync(ct);
            using var client = new ClickHouseClient(connectionString);
            Console.WriteLine($"  chDB {engine.Version} behind {endpoint.Url}, table {database}.telemetry");

            var warmUp = Math.Min(rowsPerRound, batchSize);
            await DriverAsync(client, warmUp, ct);
            Direct(engine, database, warmUp);
            var inserted = 2L * warmUp;
            Console.WriteLine("  warm-up done");

            var driverRates = new List<double>();
            var directRates = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                // Alternate which path goes first so neither always meets a table with fresher merges.
                double driver, direct;
                if (round % 2 == 1)
                {
                    driver = await DriverAsync(client, rowsPerRound, ct);
                    direct = Direct(engine, database, rowsPerRound);
                }
                else
                {
                    direct = Direct(engine, database, rowsPerRound);
                    driver = await DriverAsync(client, rowsPerRound, ct);
                }
                inserted += 2L * rowsPerRound;
                driverRates.Add(rowsPerRound / driver);
                directRates.Add(rowsPerRound / direct);
                Console.WriteLine($"  round {round}/{rounds}: driver->http->chDB {Rate(rowsPerRound / driver)} ({driver:0.00} s)   chDB INFILE {Rate(rowsPerRound / direct)} ({direct:0.00} s)   ratio {direct / driver:0.00}");
            }

            var stored = long.Parse(engine.Query($"SELECT count() FROM {database}.telemetry").Text.Trim(), CultureInfo.InvariantCulture);
            if (stored != inserted)
            {
                Console.Error.WriteLine($"  stored {stored:N0} rows but inserted {inserted:N0}: the paths lost or duplicated rows.");
                return 1;
            }
            var driverMedian = Median(driverRates);
            var directMedian = Median(directRates);
            Console.WriteLine($"  verified: {stored:N0} rows stored");
            Console.WriteLine($"driver->http->chDB (median): {Rate(driverMedian)}");
            Console.WriteLine($"chDB INFILE direct (median): {Rate(directMedian)}");
            // Each round's two runs are back to back, so their ratio is the least disturbed by other load on the machine.
            var ratios = driverRates.Zip(directRates, (a, b) => a / b).ToList();
            Console.WriteLine($"ratio (median of rounds): {Median(ratios):0.00} (aim: at least 0.70; ratio of medians {driverMedian / directMedian:0.00})");
            return 0;
        }
        finally
        {
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Path (a), the way the sink inserts: one InsertBinaryAsync per batch with its own
    /// deduplication token and the cached table schema. Returns the seconds the inserts took
    /// (building the rows is not timed).
    /// </summary>
    private async Task<double> DriverAsync(ClickHouseClient client, int rows, CancellationToken ct)
    {
        var batches = Rows(rows).Chunk(batchSize).ToList();
        Settle();
        var watch = Stopwatch.StartNew();
        var written = 0L;
        foreach (var batch in batches)
        {
            var options = new InsertOptions
            {
                BatchSize = batch.Length,
                UseSchemaCache = true,
                Compressor = _compressor,
                CustomSettings = new Dictionary<string, object> { ["insert_deduplication_token"] = NextToken() },
            };
            written += await client.InsertBinaryAsync("telemetry", TelemetryRows.Columns, batch, options, ct);
        }
        var seconds = watch.Elapsed.TotalSeconds;
        if (written != rows)
            throw new InvalidOperationException($"The driver reported {written} rows written of {rows}.");
        return seconds;
    }

    /// <summary>Path (b): the same rows already in RowBinary, one INSERT ... FROM INFILE per batch with its token.</summary>
    private double Direct(ChdbEngine engine, string database, int rows)
    {
        var batches = Rows(rows).Chunk(batchSize).Select(TelemetryRows.RowBinary).ToList();
        var insertInto = $"INSERT INTO {database}.telemetry ({string.Join(", ", TelemetryRows.Columns)})";
        Settle();
        var watch = Stopwatch.StartNew();
        foreach (var batch in batches)
            engine.Insert(insertInto, "RowBinary", batch, $"SETTINGS insert_deduplication_token = '{NextToken()}'");
        return watch.Elapsed.TotalSeconds;
    }

    private string NextToken() => $"bench-{Interlocked.Increment(ref _tokens)}";

    private List<object[]> Rows(int count)
    {
        var offset = _nextOffset;
        _nextOffset += count;
        return Enumerable.Range(0, count).Select(i => TelemetryRows.Row(offset, i)).ToList();
    }

    // Garbage from building one path's rows must not be collected on the other path's clock.
    private static void Settle() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Rate(double rowsPerSecond) => $"{rowsPerSecond:N0} rows/s";
}
