using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>
/// Which of the topology's topics the broker does not have. Streamiz creates missing internal topics with
/// the CreateTopics API; a broker without it (the embedded mock cluster) leaves the stream in REBALANCING
/// for ever, silently. Seen when a test or an operator enabled a module for the service but not for
/// <c>--list-topics</c>: the module's changelog was never created. Naming them at start makes that visible.
/// </summary>
public static class MissingTopics
{
    /// <summary>The missing topics; empty when all exist or the broker could not be asked (the stream reports that itself).</summary>
    public static IReadOnlyList<string> Find(KafkaClientFactory kafka, IReadOnlyList<string> topics)
    {
        try
        {
            using var admin = kafka.CreateAdmin(kafka.AdminConfig("missing-topics"));
            var existing = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
                .Where(t => t.Error.Code == ErrorCode.NoError)
                .Select(t => t.Topic)
                .ToHashSet(StringComparer.Ordinal);
            return topics.Where(t => !existing.Contains(t)).ToList();
        }
        catch (KafkaException)
        {
            return [];
        }
    }
}
