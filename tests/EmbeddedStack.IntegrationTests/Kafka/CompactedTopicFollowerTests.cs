using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.TestSupport;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>
/// The follower's read-your-writes: where each partition ends now (asked on a client of its own, not behind the
/// follower's waiting fetch) covers a record written just before, on every partition, and the follower reads up to it.
/// </summary>
public sealed class CompactedTopicFollowerTests
{
    private const string Topic = "follower-ends";

    [Fact]
    public async Task The_ends_asked_after_a_write_cover_it_on_every_partition_and_the_follower_reads_up_to_them()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic(Topic, partitions: 2);
        var kafka = new KafkaClientFactory(new KafkaOptions { BootstrapServers = cluster.BootstrapServers }, "follower-test", NullLoggerFactory.Instance);
        var follower = new CompactedTopicFollower(kafka, Topic, "follower-test", NullLogger.Instance);
        Assert.Null(await follower.EndsNowAsync(TimeSpan.FromSeconds(10))); // not following yet: nothing to compare with

        var read = new List<string>();
        var caughtUp = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var running = Task.Factory.StartNew(() => follower.Run(r => { lock (read) read.Add(r.Message.Key!); }, () =>
        {
            caughtUp.TrySetResult();
            return "ready";
        }, stop.Token), TaskCreationOptions.LongRunning);
        await caughtUp.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var producer = KafkaTestClients.Producer(cluster.BootstrapServers);
        for (var partition = 0; partition < 2; partition++)
            for (var i = 0; i < 3; i++)
                await producer.ProduceAsync(new TopicPartition(Topic, partition), new Message<string, string> { Key = $"p{partition}-{i}", Value = "v" });

        var ends = await follower.EndsNowAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(ends);
        Assert.Equal(new Dictionary<int, long> { [0] = 3, [1] = 3 }, ends);
        await Eventually.HoldsAsync(() => follower.HasRead(ends), TimeSpan.FromSeconds(30), "the follower reads up to the ends");
        lock (read)
            Assert.Equal(6, read.Count);
        Assert.True(follower.ReadAllTakenBefore(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), TimeSpan.FromSeconds(10), stop.Token),
            "the blocking form answers too");

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await follower.EndsNowAsync(TimeSpan.FromSeconds(10))); // stopped: its clients are gone
    }
}
