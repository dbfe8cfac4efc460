using Confluent.Kafka;
using Pipeline.TestSupport;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>Small producer/consumer helpers so each test reads as what it checks.</summary>
internal static class KafkaTestClients
{
    public static IProducer<string, string> Producer(string bootstrapServers, Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers, Acks = Acks.All, EnableIdempotence = true };
        configure?.Invoke(config);
        return new ProducerBuilder<string, string>(config).Build();
    }

    /// <summary>Reads the whole topic from the beginning until at least <paramref name="minCount"/> records arrived.</summary>
    public static async Task<IReadOnlyList<ConsumeResult<string, string>>> ReadAtLeastAsync(
        string bootstrapServers, string topic, int minCount, TimeSpan timeout, Action<ConsumerConfig>? configure = null)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        configure?.Invoke(config);
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe(topic);
        var records = new List<ConsumeResult<string, string>>();
        try
        {
            await Eventually.HoldsAsync(
                () =>
                {
                    // Drain what is there without blocking the poller for long.
                    while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r)
                        records.Add(r);
                    return Task.FromResult(records.Count);
                },
                count => count >= minCount,
                timeout,
                $"at least {minCount} records on {topic}");
        }
        finally
        {
            consumer.Close();
        }
        return records;
    }
}
