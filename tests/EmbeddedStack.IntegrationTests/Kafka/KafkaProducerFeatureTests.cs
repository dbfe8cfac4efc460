using Confluent.Kafka;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>Producer features the pipeline relies on work against the embedded Kafka too.</summary>
public sealed class KafkaProducerFeatureTests
{
    private readonly KafkaFixture _kafka = KafkaFixture.Shared;

    [Theory]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Compressed_batches_from_an_idempotent_producer_are_read_back_intact(CompressionType compression)
    {
        var topic = _kafka.CreateUniqueTopic($"compressed-{compression}".ToLowerInvariant(), partitions: 1);
        var value = string.Concat(Enumerable.Repeat("temperature=21.5;", 200));
        using (var producer = KafkaTestClients.Producer(_kafka.BootstrapServers, c => c.CompressionType = compression))
        {
            for (var i = 0; i < 50; i++)
                producer.Produce(topic, new Message<string, string> { Key = $"k{i}", Value = value + i });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        var records = await KafkaTestClients.ReadAtLeastAsync(_kafka.BootstrapServers, topic, 50, TimeSpan.FromSeconds(15));

        Assert.Equal(Enumerable.Range(0, 50).Select(i => value + i), records.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task A_read_committed_consumer_sees_committed_transactions_only()
    {
        var topic = _kafka.CreateUniqueTopic("transactions", partitions: 1);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
               {
                   BootstrapServers = _kafka.BootstrapServers,
                   TransactionalId = KafkaFixture.UniqueName("tx"),
               }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(10));
            foreach (var (key, commit) in new[] { ("first", true), ("aborted", false), ("second", true) })
            {
                producer.BeginTransaction();
                producer.Produce(topic, new Message<string, string> { Key = key, Value = key });
                if (commit)
                    producer.CommitTransaction(TimeSpan.FromSeconds(10));
                else
                    producer.AbortTransaction(TimeSpan.FromSeconds(10));
            }
        }

        var records = await KafkaTestClients.ReadAtLeastAsync(_kafka.BootstrapServers, topic, 2, TimeSpan.FromSeconds(15),
            c => c.IsolationLevel = IsolationLevel.ReadCommitted);

        Assert.Equal(["first", "second"], records.Select(r => r.Message.Key));
    }
}
