using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Contracts.Serialization;
using Pipeline.TestSupport;

namespace Pipeline.MqttBridge.IntegrationTests.Support;

/// <summary>Reads Protobuf records from a topic from the beginning, by manual assignment (no consumer group to wait for).</summary>
public static class KafkaRecords
{
    public static async Task<IReadOnlyList<(string Key, T Value)>> ReadAsync<T>(
        string bootstrapServers, string topic, Func<T, bool> match, int minCount, TimeSpan timeout) where T : IMessage<T>, new()
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "test-reader",
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
        {
            var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
        }
        var found = new List<(string, T)>();
        await Eventually.HoldsAsync(() =>
        {
            while (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { } r)
            {
                var value = ProtobufDeserializer<T>.Decode(r.Message.Value);
                if (match(value))
                    found.Add((r.Message.Key, value));
            }
            return Task.FromResult(found.Count);
        }, count => count >= minCount, timeout, $"{minCount} matching records on {topic}");
        consumer.Close();
        return found;
    }

    /// <summary>All matching records currently on the topic (reads until it has been idle briefly).</summary>
    public static async Task<IReadOnlyList<(string Key, T Value)>> ReadAllNowAsync<T>(string bootstrapServers, string topic, Func<T, bool> match)
        where T : IMessage<T>, new() =>
        (await ReadRawNowAsync(bootstrapServers, topic))
            .Select(r => (r.Key, Value: ProtobufDeserializer<T>.Decode(r.Value!)))
            .Where(r => match(r.Value))
            .ToList();

    /// <summary>Every record now on the topic as stored, in partition order; a tombstone has a null value.</summary>
    public static async Task<IReadOnlyList<(string Key, byte[]? Value)>> ReadRawNowAsync(string bootstrapServers, string topic)
    {
        using var consumer = new ConsumerBuilder<string, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "test-reader",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();
        int partitionCount;
        using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
        {
            var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
            partitionCount = partitions.Count;
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
        }
        var found = new List<(string, byte[]?)>();
        var ended = new HashSet<int>();
        await Eventually.HoldsAsync(() =>
        {
            while (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { } r)
            {
                if (r.IsPartitionEOF)
                {
                    ended.Add(r.Partition.Value);
                    continue;
                }
                found.Add((r.Message.Key, r.Message.Value));
            }
            return Task.FromResult(ended.Count);
        }, count => count >= partitionCount, TimeSpan.FromSeconds(20), $"end of {topic}");
        consumer.Close();
        return found;
    }
}
