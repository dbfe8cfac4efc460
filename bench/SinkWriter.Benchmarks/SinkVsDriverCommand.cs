using Pipeline.EmbeddedStack.ClickHouse;
using System.CommandLine;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>`sink-vs-driver [--records N] [--metrics M] [--batch B] [--partitions P] [--concurrency C] [--rounds R] [--feed Backlog|Live]`: see <see cref="SinkVsDriverBenchmark"/>.</summary>
internal static class SinkVsDriverCommand
{
    public static Command Create()
    {
        var records = new Option<int>("--records") { Description = "Telemetry records produced to Kafka.", DefaultValueFactory = _ => 192_000 };
        var metrics = new Option<int>("--metrics") { Description = "Metric values per record (rows per record).", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch") { Description = "Rows per insert, for both paths (the sink's BatchMaxRows).", DefaultValueFactory = _ => 20_000 };
        // The embedded Kafka (librdkafka's mock cluster) keeps only about 5 MiB per partition and drops older
        // records: the defaults keep each partition near 3 MiB.
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the telemetry topic.", DefaultValueFactory = _ => 16 };
        var concurrency = new Option<int>("--concurrency") { Description = "Inserts at a time, for both paths (the sink's InsertConcurrency).", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of driver and sink, alternating which goes first.", DefaultValueFactory = _ => 3 };
        var feed = new Option<SinkFeed>("--feed")
        {
            Description = "Backlog: the round's records are in Kafka (one transaction, committed when the round starts) and the sink drains them; " +
                          "Live: the sink consumes while this process produces them on the same cores.",
            DefaultValueFactory = _ => SinkFeed.Backlog,
        };
        var library = new Option<string?>("--chdb-library") { Description = "libchdb.so (default: PIPELINE_CHDB_LIBRARY, else .pipeline/engines/chdb/... above the current folder)." };
        foreach (var option in new[] { records, metrics, batch, partitions, concurrency, rounds })
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() <= 0)
                    result.AddError($"{result.Option.Name} must be a positive number.");
            });

        var command = new Command("sink-vs-driver",
            "Rows/s from Kafka into ClickHouse through the sink-writer process, against ClickHouse.Driver inserting the same rows " +
            "from memory in batches of the same size, same embedded ClickHouse endpoint, same run; insert latency percentiles of both.")
        {
            records, metrics, batch, partitions, concurrency, rounds, feed, library,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new BenchmarkSettings(parse.GetValue(records), parse.GetValue(metrics), parse.GetValue(batch), parse.GetValue(partitions), parse.GetValue(concurrency), parse.GetValue(rounds), parse.GetValue(feed));
            if (settings.Records % settings.Partitions != 0 || settings.Rows % ((long)settings.Batch * settings.Partitions) != 0)
            {
                Console.Error.WriteLine("records must be a multiple of partitions, and records x metrics a multiple of batch x partitions, so every batch fills up and none waits for its age limit.");
                return 2;
            }
            try
            {
                return await new SinkVsDriverBenchmark(settings, ChdbLibrary.Find(parse.GetValue(library))).RunAsync(ct);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException or TimeoutException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }
}

/// <summary>How a sink round's records reach Kafka (see <see cref="SinkVsDriverBenchmark"/>).</summary>
internal enum SinkFeed { Backlog, Live }

internal sealed record BenchmarkSettings(int Records, int Metrics, int Batch, int Partitions, int Concurrency, int Rounds, SinkFeed Feed)
{
    public long Rows => (long)Records * Metrics;
}
