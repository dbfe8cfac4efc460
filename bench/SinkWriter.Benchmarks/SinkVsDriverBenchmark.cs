using System.Diagnostics;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>
/// Rows/s into ClickHouse through the sink (Kafka -> decode -> map -> batch -> insert -> commit) against
/// ClickHouse.Driver inserting the very same rows from memory in batches of the same size, both through the
/// same embedded ClickHouse endpoint in one run, in rounds that alternate which path goes first. The sink is one
/// long-lived process fed round after round.
/// </summary>
internal sealed class SinkVsDriverBenchmark(BenchmarkSettings settings, string chdbLibrary)
{
    private const string Topic = "bench.telemetry.enriched";

    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var stack = await BenchStack.StartAsync(chdbLibrary);
        stack.Kafka.CreateTopic(Topic, settings.Partitions);
        stack.Kafka.CreateTopic("bench.rejected", 1);
        const string driverDb = "bench_driver", sinkDb = "bench_sink";
        await stack.MigrateAsync(driverDb);
        await stack.MigrateAsync(sinkDb);

        var values = await EncodeAsync(stack);
        var mapping = new TelemetryMapping();
        // The same rows the sink makes: the same mapping over the same record bytes (timed: the sink's own share of CPU).
        var rows = new List<object[]>((int)settings.Rows);
        var decoding = Stopwatch.StartNew();
        foreach (var value in values)
            mapping.AppendRows(ProtobufDeserializer<EnrichedTelemetry>.Decode(value), rows);
        decoding.Stop();

        // One sink process for every round, fed round after round with the same records (new offsets, so new
        // tokens): what is measured is a warm sink, not its start, group join and JIT. A first, unmeasured round
        // warms up both paths. Each path writes all its rounds into one database, so both tables grow alike.
        await using var sink = SinkPath.Start(SinkSettings(stack, sinkDb));
        using var producer = CreateProducer(stack);
        Console.WriteLine($"Warm-up round: {settings.Records} records x {settings.Metrics} metrics = {settings.Rows} rows, {settings.Partitions} partition(s); sink pid {sink.ProcessId}...");
        await DriverPath.RunAsync("driver #0", stack.ConnectionString(driverDb), mapping.Columns, rows, settings.Batch, settings.Concurrency, ct);
        await SinkRoundAsync(sink, producer, values, "sink #0", ct);

        // Rounds alternate which path goes first, so a machine getting busier or quieter during the run weighs on both.
        var results = new List<(PathResult Driver, PathResult Sink)>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            PathResult driver, sink1;
            if (round % 2 == 1)
            {
                driver = await DriverPath.RunAsync($"driver #{round}", stack.ConnectionString(driverDb), mapping.Columns, rows, settings.Batch, settings.Concurrency, ct);
                sink1 = await SinkRoundAsync(sink, producer, values, $"sink #{round}", ct);
            }
            else
            {
                sink1 = await SinkRoundAsync(sink, producer, values, $"sink #{round}", ct);
                driver = await DriverPath.RunAsync($"driver #{round}", stack.ConnectionString(driverDb), mapping.Columns, rows, settings.Batch, settings.Concurrency, ct);
            }
            results.Add((driver, sink1));
            Console.WriteLine($"round {round}: driver {driver.RowsPerSecond:N0} rows/s, sink {sink1.RowsPerSecond:N0} rows/s");
        }

        Console.WriteLine();
        Console.WriteLine($"{settings.Rows} rows ({settings.Records} records x {settings.Metrics} metrics) per round, {settings.Batch} rows per insert, {settings.Concurrency} at a time, " +
                          $"{settings.Partitions} partition(s), {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine($"{"path",-12} {"rows/s",10} {"CPU s",7} {"µs/row",7}   insert latency {"p50",8} {"p90",8} {"p99",8} {"max",8}");
        foreach (var (driver, sinkResult) in results)
            foreach (var result in new[] { driver, sinkResult })
                Console.WriteLine($"{result.Name,-12} {result.RowsPerSecond,10:N0} {result.Cpu.TotalSeconds,7:0.0} {(result.SinkCpu > TimeSpan.Zero ? $"{result.SinkCpu.TotalMicroseconds / result.Rows,7:0.0}" : ""),7}   {"",14} {result.Latency}");
        var ratios = results.Select(r => r.Sink.RowsPerSecond / r.Driver.RowsPerSecond).Order().ToList();
        Console.WriteLine($"sink / driver per round: {string.Join(", ", results.Select(r => (r.Sink.RowsPerSecond / r.Driver.RowsPerSecond).ToString("0.00")))}; " +
                          $"median {ratios[ratios.Count / 2]:0.00} (goal: at least 0.80)");
        Console.WriteLine("rows/s: all of a round's rows over the whole round. The sink is one warm process for all rounds (after an unmeasured warm-up round);");
        Console.WriteLine(settings.Feed == SinkFeed.Backlog
            ? "Fed as a backlog: its round runs from the commit of the Kafka transaction that holds the round's records to its last row stored."
            : "Fed live: its round runs from the first record produced to Kafka to its last row stored, so it includes consuming while the records arrive.");
        Console.WriteLine($"CPU s: CPU time of this process (client, endpoint, chDB and its merges{(settings.Feed == SinkFeed.Live ? "; the producer for the sink" : "")}) during the round, plus the sink process's for the sink.");
        Console.WriteLine("µs/row: the sink process's own CPU per row (consume, decode, map, batch, serialise and send the insert, commit).");
        Console.WriteLine($"Decoding and mapping the records (the sink's work on top of the driver's) took {decoding.Elapsed.TotalMilliseconds:0} ms here: {settings.Rows / decoding.Elapsed.TotalSeconds:N0} rows/s on one core.");
        Console.WriteLine($"The sink's log: {SinkPath.LogFile}");
        return 0;
    }

    /// <summary>
    /// Feeds one round's records (already encoded) and waits until the sink has stored all their rows. As a backlog
    /// (the default), the records are produced in one Kafka transaction and the round starts when it commits: the sink
    /// (read-committed) sees them all at once and drains them, and neither the producing nor its CPU is the sink's.
    /// Live, the round starts with the first record produced, so the sink consumes while this process produces them
    /// on the same cores.
    /// </summary>
    private async Task<PathResult> SinkRoundAsync(SinkPath sink, IProducer<string, byte[]> producer, List<byte[]> values, string name, CancellationToken ct)
    {
        var backlog = settings.Feed == SinkFeed.Backlog;
        if (backlog)
        {
            producer.BeginTransaction();
            Produce(producer, values);
            producer.Flush(ct);
        }
        var sinkCpuBefore = sink.Cpu;
        var cpuBefore = sinkCpuBefore + Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        if (backlog)
            producer.CommitTransaction();
        else
        {
            Produce(producer, values);
            producer.Flush(ct);
        }
        return await sink.WaitForRoundAsync(name, settings.Rows, settings.Batch, clock, cpuBefore, sinkCpuBefore, ct);
    }

    private void Produce(IProducer<string, byte[]> producer, List<byte[]> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            var partition = new TopicPartition(Topic, i % settings.Partitions);
            while (true)
            {
                try
                {
                    producer.Produce(partition, new Message<string, byte[]> { Key = $"sim-{i % 1000:00000}", Value = values[i] });
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
        }
    }

    private IProducer<string, byte[]> CreateProducer(BenchStack stack)
    {
        var backlog = settings.Feed == SinkFeed.Backlog;
        var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = stack.Kafka.BootstrapServers,
            Acks = Acks.All,
            // Large batches, as a busy processor writes them: the embedded Kafka hands out one batch per partition per fetch.
            LingerMs = 20,
            TransactionalId = backlog ? $"sink-bench-{Guid.NewGuid():N}" : null,
        }).Build();
        if (backlog)
            producer.InitTransactions(TimeSpan.FromSeconds(30));
        return producer;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private Dictionary<string, string> SinkSettings(BenchStack stack, string database) => new()
    {
        ["Kafka:BootstrapServers"] = stack.Kafka.BootstrapServers,
        ["Kafka:SchemaRegistryUrl"] = stack.Registry.Url,
        ["ClickHouse:Url"] = $"http://127.0.0.1:{stack.ClickHouse.Port}",
        ["ClickHouse:Database"] = database,
        ["ClickHouse:User"] = stack.Credentials.ClickHouse.Sink.User,
        ["ClickHouse:Password"] = stack.Credentials.ClickHouse.Sink.Password,
        // The benchmark applied the schema as the migrator; the sink user may only insert and select.
        ["SinkWriter:MigrateOnStart"] = "false",
        ["Topics:TelemetryEnriched"] = Topic,
        ["Topics:Rejected"] = "bench.rejected",
        ["SinkWriter:Destinations:0"] = "telemetry",
        ["SinkWriter:ConsumerGroupPrefix"] = $"bench-{Guid.NewGuid():N}",
        ["SinkWriter:BatchMaxRows"] = settings.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["SinkWriter:InsertConcurrency"] = settings.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["SinkWriter:BatchMaxBytes"] = (256 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        // Every batch fills up by rows (the command checks the counts divide), none waits for its age.
        ["SinkWriter:BatchMaxAge"] = "00:01:00",
        ["SinkWriter:MaxBufferedBytes"] = (1024L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The records of one round, encoded once as the processor writes them (Confluent Protobuf wire format).</summary>
    private async Task<List<byte[]>> EncodeAsync(BenchStack stack)
    {
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = stack.Registry.Url });
        var schemaId = await new ProtobufSerializer<EnrichedTelemetry>(registry).SchemaIdForAsync(Topic);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var values = new List<byte[]>(settings.Records);
        for (var i = 0; i < settings.Records; i++)
        {
            var record = new TelemetryRecord { DeviceId = $"sim-{i % 1000:00000}", DeviceTsMs = now - settings.Records + i, ReceivedTsMs = now, Seq = (ulong)i };
            for (var m = 0; m < settings.Metrics; m++)
                record.Metrics.Add($"metric_{m}", i * 0.5 + m);
            var message = new EnrichedTelemetry { Record = record, ProcessedTsMs = now };
            message.Attributes.Add("site", $"site-{i % 7}");
            message.Attributes.Add("model", "bench");
            values.Add(ProtobufSerializer<EnrichedTelemetry>.Encode(message, schemaId));
        }
        return values;
    }
}
