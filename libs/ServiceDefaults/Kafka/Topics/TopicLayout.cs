namespace Pipeline.ServiceDefaults.Kafka.Topics;

/// <summary>
/// How the product's topics are laid out on a real cluster: partitions (the most consumers a group can use),
/// replication factor and min.insync.replicas (with acks=all, how many replicas must hold a record before the
/// bridge acknowledges it to a device). The defaults suit a three-broker cluster; one broker needs 1/1.
/// </summary>
public sealed record TopicLayout(int Partitions = 6, short ReplicationFactor = 3, int MinInsyncReplicas = 2)
{
    /// <summary>What is wrong with this layout, naming the command-line options; empty when it is usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Partitions is < 1 or > 10_000)
            problems.Add($"--partitions must be between 1 and 10000 (was {Partitions}).");
        if (ReplicationFactor is < 1 or > 32)
            problems.Add($"--replication-factor must be between 1 and 32 (was {ReplicationFactor}).");
        if (ReplicationFactor >= 1 && (MinInsyncReplicas < 1 || MinInsyncReplicas > ReplicationFactor))
            problems.Add($"--min-insync-replicas must be between 1 and the replication factor {ReplicationFactor} (was {MinInsyncReplicas}).");
        return problems;
    }
}
