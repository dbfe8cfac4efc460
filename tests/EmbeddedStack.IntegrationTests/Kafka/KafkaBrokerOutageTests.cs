using Confluent.Kafka;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.TestSupport;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>
/// Fault injection on a private cluster (never the shared one: other tests run in parallel against it).
/// </summary>
public sealed class KafkaBrokerOutageTests
{
    [Fact]
    public async Task A_record_produced_while_the_broker_is_down_is_delivered_once_after_it_returns()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        cluster.CreateTopic("outage", partitions: 1);
        using var producer = KafkaTestClients.Producer(cluster.BootstrapServers, c => c.MessageTimeoutMs = 60_000);
        await producer.ProduceAsync("outage", new Message<string, string> { Key = "before", Value = "up" });

        cluster.SetBrokerDown(1);
        var reports = new List<DeliveryReport<string, string>>();
        producer.Produce("outage", new Message<string, string> { Key = "during", Value = "down" }, r => { lock (reports) reports.Add(r); });

        // While the broker is down nothing can be acknowledged: flushing for a while leaves the record in flight.
        Assert.Equal(1, producer.Flush(TimeSpan.FromSeconds(2)));
        lock (reports) Assert.Empty(reports);

        cluster.SetBrokerUp(1);
        await Eventually.HoldsAsync(() => { lock (reports) return reports.Count > 0; }, TimeSpan.FromSeconds(20), "delivery report after the broker is back");
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(5)));

        var report = Assert.Single(reports);
        Assert.Equal(ErrorCode.NoError, report.Error.Code);
        Assert.Equal(PersistenceStatus.Persisted, report.Status);
        var records = await KafkaTestClients.ReadAtLeastAsync(cluster.BootstrapServers, "outage", 2, TimeSpan.FromSeconds(10));
        Assert.Equal(["before", "during"], records.Select(r => r.Message.Key));
    }

    [Fact]
    public async Task Injected_produce_errors_are_retried_without_duplicates()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        cluster.CreateTopic("flaky", partitions: 1);
        cluster.PushRequestErrors(0 /* Produce */, ErrorCode.NotEnoughReplicas, ErrorCode.Local_Transport);
        using var producer = KafkaTestClients.Producer(cluster.BootstrapServers);

        var result = await producer.ProduceAsync("flaky", new Message<string, string> { Key = "k", Value = "v" });

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        var records = await KafkaTestClients.ReadAtLeastAsync(cluster.BootstrapServers, "flaky", 1, TimeSpan.FromSeconds(10));
        Assert.Equal("k", Assert.Single(records).Message.Key);
    }
}
