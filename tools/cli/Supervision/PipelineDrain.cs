using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Cli.Supervision;

/// <summary>
/// Waits until the consumer groups have committed everything that is in their topics (lag 0).
/// `up` stops the bridge, waits for the processor's groups, stops the processor, waits for the
/// sink's groups, stops the sink: the embedded Kafka keeps records in memory only, so whatever a
/// stage had not consumed when Kafka stopped would be lost.
/// </summary>
public sealed class PipelineDrain(KafkaClientFactory kafka, ConsoleLog log)
{
    /// <summary>A consumer group and the topics it must have consumed to the end.</summary>
    public sealed record GroupTopics(string Group, params string[] Topics);

    public async Task WaitForGroupsAsync(IReadOnlyList<GroupTopics> groups, string stage, TimeSpan timeout)
    {
        using var admin = kafka.CreateAdmin(kafka.AdminConfig("drain"));
        using var probe = kafka.CreateConsumer<Ignore, Ignore>(kafka.GroupOffsetsConfig("drain-probe", "pipeline-up-drain-probe"));
        var deadline = DateTime.UtcNow + timeout;
        long lastLag = -1;
        while (true)
        {
            var perGroup = new Dictionary<string, long>();
            foreach (var group in groups)
                perGroup[group.Group] = await LagAsync(admin, probe, group);
            var lag = perGroup.Values.Sum();
            if (lag == 0) return;
            var detail = string.Join(", ", perGroup.Where(g => g.Value > 0).Select(g => $"{g.Key}: {g.Value}"));
            if (DateTime.UtcNow > deadline)
            {
                log.Error("up", $"{stage} still had {lag} record(s) to consume after {timeout.TotalSeconds:0} s ({detail}); stopping it anyway");
                return;
            }
            if (lag != lastLag) log.Line("up", $"waiting for {stage} to drain: {lag} record(s) left ({detail})");
            lastLag = lag;
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Records in the group's topics past its committed offsets. A partition the group never
    /// committed counts from its start (the services read from the earliest offset).
    /// </summary>
    private static async Task<long> LagAsync(IAdminClient admin, IConsumer<Ignore, Ignore> probe, GroupTopics group)
    {
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(5));
        var partitions = metadata.Topics
            .Where(t => group.Topics.Contains(t.Topic))
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))
            .ToList();
        var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group.Group, partitions)]))
            .SelectMany(c => c.Partitions)
            .ToDictionary(p => p.TopicPartition, p => p.Offset);
        long lag = 0;
        foreach (var partition in partitions)
        {
            var end = probe.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5)).High.Value;
            var position = committed.TryGetValue(partition, out var offset) && offset != Offset.Unset ? offset.Value : 0;
            lag += Math.Max(0, end - position);
        }
        return lag;
    }
}
