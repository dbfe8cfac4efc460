using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.SinkWriter.Batching;

namespace Pipeline.SinkWriter.Kafka;

/// <summary>
/// Sends what the sink will not write to iot.rejected (RejectedMessage, stage "sink-writer") and waits for
/// Kafka's acknowledgement, so a batch's offsets are committed only after its rejections are durable.
/// One producer per process, shared by every destination.
/// </summary>
internal sealed class RejectionPublisher(KafkaClientFactory kafka, ISchemaRegistryClient registry, string rejectedTopic) : IDisposable
{
    public const string Stage = "sink-writer";

    private readonly IProducer<string, byte[]> _producer = kafka.CreateProducer<string, byte[]>(Tuned(kafka.ProducerConfig("rejected")));

    private static ProducerConfig Tuned(ProducerConfig config)
    {
        config.Acks = Acks.All;
        config.EnableIdempotence = true;
        config.LingerMs = 5;
        return config;
    }

    private readonly ProtobufSerializer<RejectedMessage> _serializer = new(registry);

    public string Topic => rejectedTopic;

    public async Task PublishAsync(IReadOnlyList<Rejection> rejections, CancellationToken cancellationToken)
    {
        if (rejections.Count == 0)
            return;
        var schemaId = await _serializer.SchemaIdForAsync(rejectedTopic).WaitAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var deliveries = rejections.Select(r => _producer.ProduceAsync(rejectedTopic, new Message<string, byte[]>
        {
            Key = r.DeviceId,
            Value = ProtobufSerializer<RejectedMessage>.Encode(ToMessage(r, now), schemaId),
        }, cancellationToken)).ToList();
        await Task.WhenAll(deliveries).ConfigureAwait(false);
    }

    public static RejectedMessage ToMessage(Rejection rejection, long nowMs) => new()
    {
        Reason = rejection.Reason,
        Detail = rejection.Detail,
        DeviceId = rejection.DeviceId,
        Topic = rejection.SourceTopic,
        Payload = ByteString.CopyFrom(rejection.Payload),
        ReceivedTsMs = nowMs,
        Stage = Stage,
    };

    public void Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
