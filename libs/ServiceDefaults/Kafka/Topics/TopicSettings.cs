using Pipeline.Contracts;

namespace Pipeline.ServiceDefaults.Kafka.Topics;

/// <summary>The topic-level settings the plan and the start-up check look at, and which topics are changelogs.</summary>
public static class TopicSettings
{
    public const string CleanupPolicy = "cleanup.policy";
    public const string MinInsyncReplicas = "min.insync.replicas";
    public const string Compact = "compact";
    public const string Delete = "delete";

    /// <summary>Streamiz (like Kafka Streams) names a state store's changelog "&lt;application.id&gt;-&lt;store&gt;-changelog".</summary>
    public const string StreamsChangelogSuffix = "-changelog";

    /// <summary>A topic whose history is a changelog keyed by id: it must be compacted, or it forgets keys after the retention time.</summary>
    public static bool IsChangelog(KafkaTopics topics, string name) =>
        topics.Compacted.Contains(name, StringComparer.Ordinal) || name.EndsWith(StreamsChangelogSuffix, StringComparison.Ordinal);

    /// <summary>"compact" and "compact,delete" (Kafka Streams' windowed changelogs) both keep each key's latest record.</summary>
    public static bool Compacts(string? cleanupPolicy) =>
        cleanupPolicy is not null && cleanupPolicy.Split(',', StringSplitOptions.TrimEntries).Contains(Compact, StringComparer.Ordinal);
}
