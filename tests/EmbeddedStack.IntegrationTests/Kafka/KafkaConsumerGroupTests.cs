using System.Collections.Concurrent;
using Confluent.Kafka;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>Consumer groups on the embedded Kafka balance partitions like a real broker.</summary>
public sealed class KafkaConsumerGroupTests
{
    private readonly KafkaFixture _kafka = KafkaFixture.Shared;

    [Fact]
    public async Task Two_members_split_the_partitions_and_consume_every_record_exactly_once()
    {
        const int count = 300;
        var topic = _kafka.CreateUniqueTopic("group", partitions: 6);
        var groupId = KafkaFixture.UniqueName("group");
        // Liveness bounds, not timings: a join and rebalance of two members took over 20 s once, with this project's
        // tests running in parallel on a loaded CI machine.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var members = new[] { new GroupMember(), new GroupMember() };
        var loops = members.Select(m => Task.Factory.StartNew(
            () => m.Run(_kafka.BootstrapServers, topic, groupId, stop.Token), TaskCreationOptions.LongRunning)).ToList();
        IReadOnlyList<int>[] assigned;
        try
        {
            await Eventually.HoldsAsync(
                () => members.All(m => m.Assigned.Count > 0) && members.Sum(m => m.Assigned.Count) == 6,
                TimeSpan.FromSeconds(60), "both members hold partitions and together all 6");

            using (var producer = KafkaTestClients.Producer(_kafka.BootstrapServers))
            {
                for (var i = 0; i < count; i++)
                    producer.Produce(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
                Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
            }

            await Eventually.HoldsAsync(() => members.Sum(m => m.Received.Count) >= count,
                TimeSpan.FromSeconds(45), $"{count} records consumed across the group");
            // Snapshot before stopping: closing the consumers revokes their partitions.
            assigned = members.Select(m => m.Assigned).ToArray();
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(loops);
        }

        Assert.Empty(assigned[0].Intersect(assigned[1]));
        Assert.Equal(Enumerable.Range(0, 6), assigned[0].Union(assigned[1]).Order());
        var all = members.SelectMany(m => m.Received).ToList();
        Assert.Equal(count, all.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"k{i}").Order(), all.Select(r => r.Key).Order());
        for (var m = 0; m < members.Length; m++)
            Assert.All(members[m].Received, r => Assert.Contains(r.Partition, assigned[m]));
    }

    [Fact]
    public async Task A_restarted_member_resumes_after_the_last_committed_offset()
    {
        var topic = _kafka.CreateUniqueTopic("restart", partitions: 1);
        var groupId = KafkaFixture.UniqueName("restart");
        using (var producer = KafkaTestClients.Producer(_kafka.BootstrapServers))
        {
            for (var i = 0; i < 10; i++)
                producer.Produce(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        var first = await ConsumeAsync(topic, groupId, take: 4, commit: true);
        var second = await ConsumeAsync(topic, groupId, take: 6, commit: false);

        Assert.Equal(["k0", "k1", "k2", "k3"], first);
        Assert.Equal(["k4", "k5", "k6", "k7", "k8", "k9"], second);
    }

    /// <summary>Joins the group, reads <paramref name="take"/> records, optionally commits them, leaves the group.</summary>
    private async Task<List<string>> ConsumeAsync(string topic, string groupId, int take, bool commit)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _kafka.BootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = MockKafkaCluster.SuggestedSessionTimeoutMs,
        };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe(topic);
        var keys = new List<string>();
        ConsumeResult<string, string>? last = null;
        await Eventually.HoldsAsync(
            () =>
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r)
                {
                    keys.Add(r.Message.Key);
                    last = r;
                }
                return Task.FromResult(keys.Count);
            },
            n => n >= take, TimeSpan.FromSeconds(20), $"{take} records for group {groupId}");
        if (commit && last is not null)
            consumer.Commit(last);
        consumer.Close();
        return keys;
    }

    /// <summary>One group member polling on its own thread, recording what it was assigned and what it read.</summary>
    private sealed class GroupMember
    {
        private volatile IReadOnlyList<int> _assigned = [];

        public IReadOnlyList<int> Assigned => _assigned;

        public ConcurrentQueue<(string Key, int Partition)> Received { get; } = new();

        public void Run(string bootstrapServers, string topic, string groupId, CancellationToken stop)
        {
            var config = new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = groupId,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                PartitionAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin,
                // The mock coordinator finishes a rebalance of an already-formed group only after
                // session.timeout.ms - 1 s (see MockKafkaCluster); 6 s keeps a late second join quick.
                SessionTimeoutMs = MockKafkaCluster.SuggestedSessionTimeoutMs,
                HeartbeatIntervalMs = 1000,
            };
            using var consumer = new ConsumerBuilder<string, string>(config)
                .SetPartitionsAssignedHandler((_, parts) => { _assigned = parts.Select(p => p.Partition.Value).Order().ToList(); })
                .SetPartitionsRevokedHandler((_, _) => { _assigned = []; })
                .Build();
            consumer.Subscribe(topic);
            while (!stop.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r)
                    Received.Enqueue((r.Message.Key, r.Partition.Value));
            }
            consumer.Close();
        }
    }
}
