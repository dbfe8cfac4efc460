using Pipeline.Contracts;

namespace Pipeline.ServiceDefaults.Kafka.Topics;

/// <summary>One topic as it should exist: partitions, replication and the topic-level settings the plan sets.</summary>
public sealed record TopicSpec(string Name, int Partitions, short ReplicationFactor, IReadOnlyDictionary<string, string> Configs)
{
    public string CleanupPolicy => Configs[TopicSettings.CleanupPolicy];
}

/// <summary>
/// The product's topics as a real cluster must have them, the way the ClickHouse migrations describe the tables:
/// every topic of <see cref="KafkaTopics.All"/> plus the processor's internal changelogs, with the layout's
/// partitions, replication and min.insync.replicas, and cleanup.policy=compact for every changelog
/// (<see cref="KafkaTopics.Compacted"/> and each state store's "-changelog" topic), delete for the rest. A
/// changelog left on delete (what a broker's auto-creation gives) forgets its keys after the retention time:
/// for iot.devices, every device registered more than a week earlier could no longer connect.
/// </summary>
public static class TopicPlan
{
    public static IReadOnlyList<TopicSpec> Create(KafkaTopics topics, IEnumerable<string> internalTopics, TopicLayout layout)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(internalTopics);
        ArgumentNullException.ThrowIfNull(layout);
        return topics.All.Concat(internalTopics).Distinct(StringComparer.Ordinal)
            .Select(name => new TopicSpec(name, layout.Partitions, layout.ReplicationFactor, new Dictionary<string, string>
            {
                [TopicSettings.CleanupPolicy] = TopicSettings.IsChangelog(topics, name) ? TopicSettings.Compact : TopicSettings.Delete,
                [TopicSettings.MinInsyncReplicas] = layout.MinInsyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }))
            .ToList();
    }
}
