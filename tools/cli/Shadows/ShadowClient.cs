using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Cli.Shadows;

/// <summary>
/// An application's side of shadows: writes a request to iot.shadow.requests (as the bridge does for a device)
/// and waits for the shadow writer's answers carrying the same request id on iot.shadow.responses.
/// </summary>
public sealed class ShadowClient(KafkaClientFactory kafka, ISchemaRegistryClient schemaRegistry, KafkaTopics topics)
{
    /// <summary>The answer to the request: the .../accepted or .../rejected message (delta and documents are left out).</summary>
    public async Task<ShadowResponse?> SendAsync(string deviceId, string shadowName, ShadowRequest.Types.Operation operation,
        string payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString("N");
        // Assigned, never committed. Errors are not printed: a missing answer is reported as a timeout by the command.
        using var consumer = kafka.CreateConsumer<string?, byte[]?>(kafka.ReaderConfig("shadow-answers"), b => b.SetErrorHandler((_, _) => { }));
        // Positioned at the end before the request is written, so the answer cannot be missed.
        AssignAtEnd(consumer, topics.ShadowResponses);

        var schemaId = await new ProtobufSerializer<ShadowRequest>(schemaRegistry).SchemaIdForAsync(topics.ShadowRequests).ConfigureAwait(false);
        var producerConfig = kafka.ProducerConfig("shadow-requests");
        producerConfig.Acks = Acks.All;
        using (var producer = kafka.CreateProducer<string, byte[]>(producerConfig))
        {
            await producer.ProduceAsync(topics.ShadowRequests, new Message<string, byte[]>
            {
                Key = deviceId,
                Value = ProtobufSerializer<ShadowRequest>.Encode(new ShadowRequest
                {
                    DeviceId = deviceId,
                    ShadowName = shadowName,
                    Operation = operation,
                    Payload = ByteString.CopyFromUtf8(payload),
                    RequestId = requestId,
                    Source = ShadowRequest.Types.Source.Application,
                    ReplyTo = "cli",
                    ReceivedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                }, schemaId),
            }, cancellationToken).ConfigureAwait(false);
        }

        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message?.Value is not { } value || result.Message.Key != deviceId)
                continue;
            var response = ProtobufDeserializer<ShadowResponse>.Decode(value);
            if (response.RequestId == requestId && (response.Topic.EndsWith("/accepted", StringComparison.Ordinal) || response.Topic.EndsWith("/rejected", StringComparison.Ordinal)))
                return response;
        }
        return null;
    }

    private static void AssignAtEnd(IConsumer<string?, byte[]?> consumer, string topic)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single();
        if (metadata.Error.IsError || metadata.Partitions.Count == 0)
            throw new CliException($"Kafka topic '{topic}' is not available: {metadata.Error.Reason}");
        var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var ends = partitions.Select(p => new TopicPartitionOffset(p,
            consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High)).ToList();
        consumer.Assign(ends);
    }
}
