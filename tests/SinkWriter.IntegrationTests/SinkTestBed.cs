using Pipeline.EmbeddedStack.ClickHouse;
using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.ClickHouseSchema;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>
/// One test's own slice of the embedded stack: fresh topics for every destination, a fresh database and
/// consumer-group prefix, a producer that frames records as the pipeline does, and plain SQL counts.
/// </summary>
public sealed class SinkTestBed : IAsyncDisposable
{
    public const int Partitions = 4;

    private readonly List<SinkProcess> _sinks = [];
    private readonly IProducer<string, byte[]> _producer;
    private readonly Confluent.SchemaRegistry.ISchemaRegistryClient _registry;

    public SinkTestBed()
    {
        var kafka = KafkaFixture.Shared;
        Telemetry = kafka.CreateUniqueTopic("sink-enriched", Partitions);
        Aggregates = kafka.CreateUniqueTopic("sink-agg", Partitions);
        Events = kafka.CreateUniqueTopic("sink-events", Partitions);
        Rejected = kafka.CreateUniqueTopic("sink-rejected", Partitions);
        Devices = kafka.CreateUniqueTopic("sink-devices", Partitions);
        Shadows = kafka.CreateUniqueTopic("sink-shadows", Partitions);
        RuleRows = kafka.CreateUniqueTopic("sink-rule-rows", Partitions);
        Connectivity = kafka.CreateUniqueTopic("sink-connectivity", Partitions);
        Database = ClickHouseFixture.Shared.CreateUniqueDatabase("sink");
        GroupPrefix = KafkaFixture.UniqueName("sink");
        _registry = SchemaRegistryFixture.Shared.CreateClient();
        _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
        }).Build();
    }

    public string Telemetry { get; }
    public string Aggregates { get; }
    public string Events { get; }
    public string Rejected { get; }
    public string Devices { get; }
    public string Shadows { get; }
    public string RuleRows { get; }
    public string Connectivity { get; }
    public string Database { get; }
    public string GroupPrefix { get; }

    /// <summary>The sink's configuration for this bed; tests add or override settings.</summary>
    public Dictionary<string, string> Settings(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string>
        {
            ["Kafka:BootstrapServers"] = KafkaFixture.Shared.BootstrapServers,
            ["Kafka:SchemaRegistryUrl"] = SchemaRegistryFixture.Shared.Url,
            ["ClickHouse:Url"] = ClickHouseFixture.Shared.Url,
            // The sink migrates its own database at start here (SinkWriter:MigrateOnStart), so it connects as the migrator.
            ["ClickHouse:User"] = ClickHouseFixture.Shared.User(ClickHouseRole.Migrator).User,
            ["ClickHouse:Password"] = ClickHouseFixture.Shared.User(ClickHouseRole.Migrator).Password,
            ["ClickHouse:Database"] = Database,
            ["Topics:TelemetryEnriched"] = Telemetry,
            ["Topics:TelemetryAgg1m"] = Aggregates,
            ["Topics:EventsRaw"] = Events,
            ["Topics:Rejected"] = Rejected,
            ["Topics:Devices"] = Devices,
            ["Topics:Shadows"] = Shadows,
            ["Topics:RuleRows"] = RuleRows,
            ["Topics:Connectivity"] = Connectivity,
            ["SinkWriter:ConsumerGroupPrefix"] = GroupPrefix,
            ["SinkWriter:BatchMaxAge"] = "00:00:00.200",
            ["SinkWriter:BatchMaxRows"] = "2000",
            ["SinkWriter:RetryMaxDelay"] = "00:00:02",
            ["SinkWriter:KafkaSessionTimeout"] = "00:00:06",
            ["Logging:LogLevel:Pipeline.SinkWriter"] = "Debug",
        };
        foreach (var (key, value) in overrides)
            settings[key] = value;
        return settings;
    }

    /// <summary>Starts a sink process and waits until it serves /healthz.</summary>
    public async Task<SinkProcess> StartSinkAsync(params (string Key, string Value)[] overrides)
    {
        var sink = SinkProcess.Start(Settings(overrides));
        _sinks.Add(sink);
        await sink.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        return sink;
    }

    /// <summary>Applies the migrations the way the sink does, for tests that change the schema before the sink starts.</summary>
    public async Task MigrateAsync()
    {
        using var migrator = new ClickHouseMigrator(ClickHouseFixture.Shared.ConnectionString(Database), Database);
        await migrator.MigrateAsync();
    }

    public async Task ProduceAsync<T>(string topic, string key, T message) where T : IMessage<T>, new() =>
        await ProduceRawAsync(topic, key, await FrameAsync(topic, message));

    public async Task ProduceRawAsync(string topic, string key, byte[]? value) =>
        await _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value! });

    public async Task ProduceRawAsync(TopicPartition partition, string key, byte[] value, long? timestampMs = null) =>
        await _producer.ProduceAsync(partition, new Message<string, byte[]>
        {
            Key = key,
            Value = value,
            Timestamp = timestampMs is { } ms ? new Timestamp(ms, TimestampType.CreateTime) : Timestamp.Default,
        });

    /// <summary>Produces records first..first+count-1 in chunks, so a sink sees them arrive over a while rather than all at once.</summary>
    public async Task ProduceTelemetryInChunksAsync(int first, int count, int metrics, int chunk, TimeSpan pause)
    {
        for (var start = first; start < first + count; start += chunk)
        {
            await ProduceTelemetryAsync(start, Math.Min(chunk, first + count - start), metrics);
            await Task.Delay(pause); // pacing the stream, not waiting for anything
        }
    }

    public async Task<byte[]> FrameAsync<T>(string topic, T message) where T : IMessage<T>, new()
    {
        var serializer = new ProtobufSerializer<T>(_registry);
        return ProtobufSerializer<T>.Encode(message, await serializer.SchemaIdForAsync(topic));
    }

    /// <summary>Produces <paramref name="count"/> telemetry records (device i % 10, seq i) with <paramref name="metrics"/> metrics each.</summary>
    public async Task ProduceTelemetryAsync(int first, int count, int metrics, CancellationToken cancellationToken = default)
    {
        var schemaId = await new ProtobufSerializer<EnrichedTelemetry>(_registry).SchemaIdForAsync(Telemetry);
        var deliveries = new List<Task>(count);
        for (var i = first; i < first + count && !cancellationToken.IsCancellationRequested; i++)
        {
            var message = TelemetryRecordNo(i, metrics);
            deliveries.Add(_producer.ProduceAsync(Telemetry, new Message<string, byte[]>
            {
                Key = message.Record.DeviceId,
                Value = ProtobufSerializer<EnrichedTelemetry>.Encode(message, schemaId),
            }, cancellationToken));
        }
        await Task.WhenAll(deliveries);
    }

    // Recent times: the tables drop rows past their TTL (a year for telemetry), also right at insert.
    private static readonly long BaseMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 3_600_000;

    public static EnrichedTelemetry TelemetryRecordNo(int i, int metrics)
    {
        var record = new TelemetryRecord
        {
            DeviceId = $"dev-{i % 10}",
            DeviceTsMs = BaseMs + i,
            ReceivedTsMs = BaseMs + i + 5,
            Seq = (ulong)i,
        };
        for (var m = 0; m < metrics; m++)
            record.Metrics.Add($"m{m}", i + m / 10.0);
        var message = new EnrichedTelemetry { Record = record, ProcessedTsMs = record.ReceivedTsMs + 1 };
        message.Attributes.Add("site", $"site-{i % 3}");
        return message;
    }

    public async Task<long> CountAsync(string table, string where = "") =>
        long.Parse((await ClickHouseFixture.Shared.ExecuteAsync($"SELECT count() FROM {Database}.{table} {where}")).Trim(), CultureInfo.InvariantCulture);

    public Task<string> QueryAsync(string sql) => ClickHouseFixture.Shared.ExecuteAsync(sql, Database);

    /// <summary>Waits until the table holds <paramref name="expected"/> rows; fails early if it ever holds more.</summary>
    public async Task WaitForCountAsync(string table, long expected, TimeSpan timeout)
    {
        long count;
        try
        {
            count = await Eventually.HoldsAsync(() => CountAsync(table), c => c >= expected, timeout, $"{Database}.{table} holds {expected} rows");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nSink output (last 6000 chars):\n{Tail(SinkOutput, 6000)}", e);
        }
        if (count != expected)
            Assert.Fail($"{Database}.{table} holds {count} rows, expected {expected}.\nSink output (last 20000 chars):\n{Tail(SinkOutput, 20000)}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sink in _sinks)
            await sink.DisposeAsync();
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
        _registry.Dispose();
    }

    /// <summary>Waits until the sink reports no uncommitted records left for <paramref name="table"/> (lag 0 on every partition).</summary>
    public static async Task WaitForNoLagAsync(SinkProcess sink, string table, TimeSpan timeout)
    {
        await Eventually.HoldsAsync(async () => LagOf(await sink.GetAsync("/metrics"), table), lag => lag == 0, timeout, $"the sink's consumer lag for {table} is 0");
    }

    /// <summary>Sum of sink_consumer_lag over the table's partitions; -1 while none is reported yet.</summary>
    public static long LagOf(string metrics, string table)
    {
        var prefix = $"sink_consumer_lag{{table=\"{table}\"";
        var values = metrics.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
        return values.Count == 0 ? -1 : values.Sum();
    }

    public static string Tail(string text, int chars) => text.Length <= chars ? text : text[^chars..];

    /// <summary>Output of every sink this bed started, for failure messages.</summary>
    public string SinkOutput => string.Join("\n----\n", _sinks.Select(s => s.Output));
}
