using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>
/// Rows/s into ClickHouse through the sink (Kafka -> decode -> map -> batch -> insert -> commit) against
/// ClickHouse.Driver inserting the very same rows from memory in batches of the same size, both through the
/// same embedded ClickHouse endpoint in one run. The driver path runs before and after the sink, and the
/// sink is compared with their mean, so a drift of the machine during the run shows up.
/// </summary>
internal sealed class SinkVsDriverBenchmark(BenchmarkSettings settings, string chdbLibrary)
{
    private const string Topic = "bench.telemetry.enriched";

    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var stack = await BenchStack.StartAsync(chdbLibrary);
        stack.Kafka.CreateTopic(Topic, settings.Partitions);
        stack.Kafka.CreateTopic("bench.rejected", 1);
        foreach (var database in new[] { "bench_driver_1", "bench_sink", "bench_driver_2" })
            await stack.MigrateAsync(database);

        Console.WriteLine($"Producing {settings.Records} records x {settings.Metrics} metrics = {settings.Rows} rows to {settings.Partitions} partition(s)...");
        var values = await ProduceAsync(stack, ct);
        var mapping = new TelemetryMapping();
        // The same rows the sink makes: the same mapping over the same record bytes.
        var rows = new List<object[]>((int)settings.Rows);
        foreach (var value in values)
            mapping.AppendRows(ProtobufDeserializer<EnrichedTelemetry>.Decode(value), rows);

        var driver1 = await DriverPath.RunAsync("driver (before)", stack.ConnectionString("bench_driver_1"), mapping.Columns, rows, settings.Batch, ct);
        var sink = await SinkPath.RunAsync(SinkSettings(stack), settings.Rows, settings.Batch, ct);
        var driver2 = await DriverPath.RunAsync("driver (after)", stack.ConnectionString("bench_driver_2"), mapping.Columns, rows, settings.Batch, ct);

        Console.WriteLine();
        Console.WriteLine($"{settings.Rows} rows ({settings.Records} records x {settings.Metrics} metrics), {settings.Batch} rows per insert, {settings.Partitions} partition(s), {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"path",-16} {"rows/s",12}   insert latency {"p50",8} {"p90",8} {"p99",8} {"max",8}");
        foreach (var result in new[] { driver1, sink, driver2 })
            Console.WriteLine($"{result.Name,-16} {result.SteadyRowsPerSecond,12:N0}   {"",14} {result.Latency}");
        var driverMean = (driver1.SteadyRowsPerSecond + driver2.SteadyRowsPerSecond) / 2;
        var ratio = sink.SteadyRowsPerSecond / driverMean;
        Console.WriteLine($"sink / driver = {ratio:0.00} (goal: at least 0.80)");
        Console.WriteLine("rows/s counts from the end of each path's first insert to the end of its last (the sink's start-up is left out).");
        Console.WriteLine($"The sink's log: {SinkPath.LogFile}");
        return 0;
    }

    private Dictionary<string, string> SinkSettings(BenchStack stack) => new()
    {
        ["Kafka:BootstrapServers"] = stack.Kafka.BootstrapServers,
        ["Kafka:SchemaRegistryUrl"] = stack.Registry.Url,
        ["ClickHouse:Url"] = $"http://127.0.0.1:{stack.ClickHouse.Port}",
        ["ClickHouse:Database"] = "bench_sink",
        ["Topics:TelemetryEnriched"] = Topic,
        ["Topics:Rejected"] = "bench.rejected",
        ["SinkWriter:Destinations:0"] = "telemetry",
        ["SinkWriter:ConsumerGroupPrefix"] = $"bench-{Guid.NewGuid():N}",
        ["SinkWriter:BatchMaxRows"] = settings.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
