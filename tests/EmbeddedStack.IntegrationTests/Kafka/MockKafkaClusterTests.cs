using Confluent.Kafka;
using Pipeline.EmbeddedStack.Kafka;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>The embedded cluster's own surface: where it listens, topic creation, naming helpers.</summary>
public sealed class MockKafkaClusterTests
{
    [Fact]
    public void Every_broker_listens_on_loopback()
    {
        using var cluster = MockKafkaCluster.Start(brokerCount: 3);

        var brokers = cluster.BootstrapServers.Split(',');

        Assert.Equal(3, brokers.Length);
        Assert.All(brokers, b => Assert.StartsWith("127.0.0.1:", b));
    }

    [Fact]
    public void Topic_metadata_shows_the_partitions_that_were_created()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("readings", partitions: 6);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();

        var metadata = admin.GetMetadata("readings", TimeSpan.FromSeconds(10));

        Assert.Equal(6, Assert.Single(metadata.Topics).Partitions.Count);
    }

    [Fact]
    public void Creating_an_existing_topic_fails_with_librdkafkas_reason()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("twice", partitions: 1);

        var error = Assert.Throws<KafkaMockException>(() => cluster.CreateTopic("twice", partitions: 1));

        Assert.Equal(ErrorCode.TopicAlreadyExists, error.Error);
        Assert.Contains("twice", error.Message);
        Assert.Contains("already exists", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Bad_arguments_are_rejected_before_reaching_librdkafka()
    {
        using var cluster = MockKafkaCluster.Start();

        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", partitions: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", partitions: 1, replicationFactor: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerDown(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => MockKafkaCluster.Start(brokerCount: 0));
    }

    [Fact]
    public void A_disposed_cluster_refuses_further_calls()
    {
        var cluster = MockKafkaCluster.Start();
        cluster.Dispose();
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
    }

    [Fact]
    public void Streamiz_internal_topic_names_follow_the_kafka_streams_convention()
    {
        var names = StreamizTopics.InternalTopics("rules", ["count-store"], ["by-device"]);

        Assert.Equal(["rules-count-store-changelog", "rules-by-device-repartition"], names);
    }
}
