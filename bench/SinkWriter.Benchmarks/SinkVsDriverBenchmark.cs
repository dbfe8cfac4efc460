using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>
/// Rows/s into ClickHouse through the sink (Kafka -> decode -> map -> batch -> insert -> commit) against
/// ClickHouse.Driver inserting the very same rows from memory in batches of the same size, both through the
/// same embedded ClickHouse endpoint in one run, in rounds that alternate which path goes first.
/// </summary>
internal sealed class SinkVsDriverBenchmark(BenchmarkSettings settings, string chdbLibrary)
{
    private const string Topic = "bench.telemetry.enriched";

    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var stack = await BenchStack.StartAsync(chdbLibrary);
        stack.Kafka.CreateTopic(Topic, settings.Partitions);
        stack.Kafka.CreateTopic("bench.rejected", 1);

        Console.WriteLine($"Producing {settings.Records} records x {settings.Metrics} metrics = {settings.Rows} rows to {settings.Partitions} partition(s)...");
        var values = await ProduceAsync(stack, ct);
        var mapping = new TelemetryMapping();
        // The same rows the sink makes: the same mapping over the same record bytes (timed: the sink's own share of CPU).
        var rows = new List<object[]>((int)settings.Rows);
        var decoding = System.Diagnostics.Stopwatch.StartNew();
        foreach (var value in values)
            mapping.AppendRows(ProtobufDeserializer<EnrichedTelemetry>.Decode(value), rows);
        decoding.Stop();

        // Rounds alternate which path goes first, so a machine getting busier or quieter during the run
        // weighs on both; each round writes into fresh databases and the sink reads with a fresh group.
        var results = new List<(PathResult Driver, PathResult Sink)>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            var driverDb = $"bench_driver_{round}";
            var sinkDb = $"bench_sink_{round}";
            await stack.MigrateAsync(driverDb);
            await stack.MigrateAsync(sinkDb);
            PathResult driver, sink;
            if (round % 2 == 1)
            {
                driver = await DriverPath.RunAsync($"driver #{round}", stack.ConnectionString(driverDb), mapping.Columns, rows, settings.Batch, settings.Concurrency, ct);
                sink = await SinkPath.RunAsync($"sink #{round}", SinkSettings(stack, sinkDb), settings.Rows, settings.Batch, ct);
            }
            else
            {
                sink = await SinkPath.RunAsync($"sink #{round}", SinkSettings(stack, sinkDb), settings.Rows, settings.Batch, ct);
                driver = await DriverPath.RunAsync($"driver #{round}", stack.ConnectionString(driverDb), mapping.Columns, rows, settings.Batch, settings.Concurrency, ct);
            }
            results.Add((driver, sink));
            Console.WriteLine($"round {round}: driver {driver.SteadyRowsPerSecond:N0} rows/s, sink {sink.SteadyRowsPerSecond:N0} rows/s");
        }

        Console.WriteLine();
        Console.WriteLine($"{settings.Rows} rows ({settings.Records} records x {settings.Metrics} metrics), {settings.Batch} rows per insert, {settings.Concurrency} at a time, " +
                          $"{settings.Partitions} partition(s), {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine($"{"path",-12} {"rows/s",10} {"CPU s",7}   insert latency {"p50",8} {"p90",8} {"p99",8} {"max",8}");
        foreach (var (driver, sink) in results)
            foreach (var result in new[] { driver, sink })
                Console.WriteLine($"{result.Name,-12} {result.SteadyRowsPerSecond,10:N0} {result.Cpu.TotalSeconds,7:0.0}   {"",14} {result.Latency}");
        var ratios = results.Select(r => r.Sink.SteadyRowsPerSecond / r.Driver.SteadyRowsPerSecond).Order().ToList();
        Console.WriteLine($"sink / driver per round: {string.Join(", ", results.Select(r => (r.Sink.SteadyRowsPerSecond / r.Driver.SteadyRowsPerSecond).ToString("0.00")))}; " +
                          $"median {ratios[ratios.Count / 2]:0.00} (goal: at least 0.80)");
        Console.WriteLine("rows/s counts from the end of each path's first insert to the end of its last (the sink's start-up is left out).");
        Console.WriteLine("CPU s: CPU time of this process (client, endpoint, chDB) during the path, plus the sink process's for the sink path.");
        Console.WriteLine($"Decoding and mapping the records (the sink's work on top of the driver's) took {decoding.Elapsed.TotalMilliseconds:0} ms here: {settings.Rows / decoding.Elapsed.TotalSeconds:N0} rows/s on one core.");
        Console.WriteLine($"The last sink's log: {SinkPath.LogFile}");
        return 0;
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

    private async Task<List<byte[]>> ProduceAsync(BenchStack stack, CancellationToken ct)
    {
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = stack.Registry.Url });
        var schemaId = await new ProtobufSerializer<EnrichedTelemetry>(registry).SchemaIdForAsync(Topic);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = stack.Kafka.BootstrapServers,
            Acks = Acks.All,
            LingerMs = 20,
        }).Build();
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
            var value = ProtobufSerializer<EnrichedTelemetry>.Encode(message, schemaId);
            values.Add(value);
            var partition = new TopicPartition(Topic, i % settings.Partitions);
            while (true)
            {
                try
                {
                    producer.Produce(partition, new Message<string, byte[]> { Key = record.DeviceId, Value = value });
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        producer.Flush(ct);
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = stack.Kafka.BootstrapServers, GroupId = "bench-probe" }).Build();
        for (var p = 0; p < settings.Partitions; p++)
            if (probe.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(10)).Low != 0)
                throw new InvalidOperationException(
                    $"Partition {p} no longer starts at offset 0: the embedded Kafka keeps only about 5 MiB per partition. Use more --partitions or fewer --records.");
        return values;
    }
}
