using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Pipeline.EmbeddedStack.Kafka;

namespace Pipeline.TestSupport.Fixtures;

/// <summary>
/// The Kafka that tests talk to, one per test process: the embedded mock cluster by default, or the real
/// Kafka named by PIPELINE_TEST_KAFKA (bootstrap servers). Tests get isolation from unique topic names.
/// </summary>
public sealed partial class KafkaFixture
{
    public const string EnvironmentVariable = "PIPELINE_TEST_KAFKA";

    private static readonly Lazy<KafkaFixture> _shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private KafkaFixture(string bootstrapServers, MockKafkaCluster? cluster)
    {
        BootstrapServers = bootstrapServers;
        Cluster = cluster;
    }

    /// <summary>The process-wide instance, started on first use. The embedded cluster lives until the process exits.</summary>
    public static KafkaFixture Shared => _shared.Value;

    public string BootstrapServers { get; }

    public bool IsEmbedded => Cluster is not null;

    /// <summary>The embedded cluster (for fault injection), or null against a real Kafka.</summary>
    public MockKafkaCluster? Cluster { get; }

    /// <summary>Creates a topic named <c>&lt;prefix&gt;-&lt;random&gt;</c> and returns its name.</summary>
    public string CreateUniqueTopic(string prefix, int partitions = 6)
    {
        var name = UniqueName(prefix);
        CreateTopics([name], partitions);
        return name;
    }

    /// <summary>A fresh name (e.g. for a consumer group or Streamiz application id) that no other test uses.</summary>
    public static string UniqueName(string prefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.Length > 200 || !TopicNameChars().IsMatch(prefix))
            throw new ArgumentException($"Prefix '{prefix}' must be 1-200 characters of [a-zA-Z0-9._-].", nameof(prefix));
        return $"{prefix}-{Guid.NewGuid():N}";
    }

    /// <summary>Creates the topics (the embedded cluster has no auto-creation for Streamiz internal topics).</summary>
    public void CreateTopics(IEnumerable<string> names, int partitions)
    {
        var list = names.ToList();
        if (Cluster is not null)
        {
            Cluster.CreateTopics(list, partitions);
            return;
        }
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        // ReplicationFactor -1: the broker's default, so a one-broker dev Kafka and a real cluster both work. Changelogs
        // compacted, as the services' start-up topic check demands: tests name them after the contract's topics
        // ("<prefix>.devices") or as Streamiz does ("-changelog").
        admin.CreateTopicsAsync(list.Select(n => new TopicSpecification
            {
                Name = n, NumPartitions = partitions, ReplicationFactor = -1,
                Configs = IsChangelog(n) ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null,
            }))
            .GetAwaiter().GetResult();
    }

    private static bool IsChangelog(string name) =>
        new Pipeline.Contracts.KafkaTopics().Compacted.Any(c => name == c || name.EndsWith(c[c.IndexOf('.', StringComparison.Ordinal)..], StringComparison.Ordinal))
        || name.EndsWith("-changelog", StringComparison.Ordinal);

    /// <summary>
    /// An embedded cluster of its own, for a test whose fault injection (a broker down, a partition moved) must not
    /// touch the tests that share <see cref="Shared"/>; embedded also when PIPELINE_TEST_KAFKA names a real Kafka,
    /// which offers no fault control. Dispose its <see cref="Cluster"/> at the end of the test.
    /// </summary>
    public static KafkaFixture Private(int brokers)
    {
        var cluster = MockKafkaCluster.Start(brokers);
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        return new KafkaFixture(cluster.BootstrapServers, cluster);
    }

    private static KafkaFixture Create()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
            return new KafkaFixture(external, cluster: null);
        var cluster = MockKafkaCluster.Start();
        // Like the usual single-broker dev/test Kafka setups: no 3 s wait before a group's first assignment.
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        return new KafkaFixture(cluster.BootstrapServers, cluster);
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]+$")]
    private static partial Regex TopicNameChars();
}
