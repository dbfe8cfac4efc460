using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.Options;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Kafka;

/// <summary>
/// The bridge's one Kafka producer: idempotent, acks=all, compressed, key = device id. Schema ids are
/// resolved once at start so the hot path encodes synchronously. Kafka is considered reachable once
/// topic metadata was read, and unreachable while librdkafka reports all brokers down.
/// </summary>
public sealed class BridgeProducer : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly ISchemaRegistryClient _schemaRegistry;
    private readonly KafkaTopics _topics;
    private readonly ILogger<BridgeProducer> _logger;
    private volatile bool _brokersDown;

    public BridgeProducer(KafkaClientFactory kafka, IOptions<KafkaTopics> topics, IOptions<BridgeOptions> bridge,
        ISchemaRegistryClient schemaRegistry, ILogger<BridgeProducer> logger)
    {
        _topics = topics.Value;
        _schemaRegistry = schemaRegistry;
        _logger = logger;
        var options = bridge.Value;
        var config = kafka.ProducerConfig($"producer-{options.InstanceId}");
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        config.CompressionType = Enum.Parse<CompressionType>(options.Compression, ignoreCase: true);
        config.LingerMs = options.LingerMs;
        config.BatchSize = options.BatchBytes;
        config.MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds;
        // The bridge's own byte buffer is the limit that matters; librdkafka's queue must never be the
        // smaller one, or accepted records would fail with QueueFull before the bridge says "quota exceeded".
        config.QueueBufferingMaxKbytes = (int)Math.Min(int.MaxValue, options.BufferBytes / 1024 * 2 + 16 * 1024);
        config.QueueBufferingMaxMessages = (int)Math.Min(int.MaxValue / 2, Math.Max(100_000, options.BufferBytes / 16));
        // Come back quickly after a Kafka outage: acknowledgements are waiting on it.
        config.ReconnectBackoffMaxMs = 2000;
        _producer = kafka.CreateProducer<string, byte[]>(config, b => b
            .SetErrorHandler((_, e) =>
            {
                if (e.Code == ErrorCode.Local_AllBrokersDown)
                    _brokersDown = true;
                _logger.LogWarning("Kafka producer: {Reason}", kafka.Redact(e.Reason));
            }));
    }

    public int TelemetrySchemaId { get; private set; }
    public int EventSchemaId { get; private set; }
    public int RejectedSchemaId { get; private set; }
    public int ShadowRequestSchemaId { get; private set; }
    public int CommandSchemaId { get; private set; }
    public int RetainedSchemaId { get; private set; }
    public int ConnectivitySchemaId { get; private set; }

    public bool IsReady { get; private set; }

    public bool IsKafkaReachable => IsReady && !_brokersDown;

    public KafkaTopics Topics => _topics;

    /// <summary>Registers the schemas and reads topic metadata, retrying until both work or <paramref name="cancellationToken"/> fires.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                TelemetrySchemaId = await new ProtobufSerializer<TelemetryRecord>(_schemaRegistry).SchemaIdForAsync(_topics.TelemetryRaw).ConfigureAwait(false);
                EventSchemaId = await new ProtobufSerializer<DeviceEvent>(_schemaRegistry).SchemaIdForAsync(_topics.EventsRaw).ConfigureAwait(false);
                RejectedSchemaId = await new ProtobufSerializer<RejectedMessage>(_schemaRegistry).SchemaIdForAsync(_topics.Rejected).ConfigureAwait(false);
                ShadowRequestSchemaId = await new ProtobufSerializer<ShadowRequest>(_schemaRegistry).SchemaIdForAsync(_topics.ShadowRequests).ConfigureAwait(false);
                CommandSchemaId = await new ProtobufSerializer<DeviceCommand>(_schemaRegistry).SchemaIdForAsync(_topics.Commands).ConfigureAwait(false);
                RetainedSchemaId = await new ProtobufSerializer<DeviceCommand>(_schemaRegistry).SchemaIdForAsync(_topics.Retained).ConfigureAwait(false);
                ConnectivitySchemaId = await new ProtobufSerializer<ConnectivityEvent>(_schemaRegistry).SchemaIdForAsync(_topics.Connectivity).ConfigureAwait(false);
                CheckTopicsExist();
                IsReady = true;
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning("Bridge producer not ready yet (retrying in {Delay} ms): {Reason}", delay.TotalMilliseconds, e.Message);
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
        }
    }

    /// <summary>
    /// Hands a record to librdkafka (a null value is a tombstone); <paramref name="onDelivery"/> runs on librdkafka's
    /// delivery thread, so it must be quick.
    /// </summary>
    public void Produce(string topic, string key, byte[]? value, Action<DeliveryReport<string, byte[]>> onDelivery)
    {
        _producer.Produce(topic, new Message<string, byte[]> { Key = key, Value = value! }, report =>
        {
            if (!report.Error.IsError)
                _brokersDown = false;
            onDelivery(report);
        });
    }

    /// <summary>Waits until everything handed to Kafka got its delivery report; false when time ran out.</summary>
    public bool Flush(TimeSpan timeout) => _producer.Flush(timeout) == 0;

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }

    private void CheckTopicsExist()
    {
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        foreach (var topic in new[] { _topics.TelemetryRaw, _topics.EventsRaw, _topics.Rejected })
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single();
            if (metadata.Error.IsError)
                throw new InvalidOperationException($"Kafka topic '{topic}' is not available: {metadata.Error.Reason}");
        }
    }
}
