using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>The embedded Kafka is a real network broker: other OS processes produce to and consume from it.</summary>
public sealed class KafkaCrossProcessTests
{
    private readonly KafkaFixture _kafka = KafkaFixture.Shared;

    [Fact]
    public async Task Records_produced_by_one_process_are_consumed_by_another_with_keys_and_values_intact()
    {
        const int count = 200;
        var topic = _kafka.CreateUniqueTopic("cross-process");

        // Bounds, not timings: a peer is a fresh .NET process, slow to start when the machine is busy.
        // The producer gives up by itself after 45 s of waiting for deliveries and says where it stood on stderr.
        var produce = await PeerProcess.RunAsync(TimeSpan.FromSeconds(150),
            "kafka-produce", _kafka.BootstrapServers, topic, count.ToString(), "device");
        Assert.True(produce.ExitCode == 0, $"producer peer failed: {produce.Stderr}");
        Assert.Contains($"produced {count}", produce.Stdout);

        var consume = await PeerProcess.RunAsync(TimeSpan.FromSeconds(150),
            "kafka-consume", _kafka.BootstrapServers, topic, KafkaFixture.UniqueName("peer-group"), count.ToString(), "20");
        Assert.True(consume.ExitCode == 0, $"consumer peer failed: {consume.Stderr}");

        var received = consume.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(f => f[0], f => f[1]);
        var expected = Enumerable.Range(0, count).ToDictionary(i => $"device-{i}", i => $"value-{i}");
        Assert.Equal(expected, received);
    }
}
