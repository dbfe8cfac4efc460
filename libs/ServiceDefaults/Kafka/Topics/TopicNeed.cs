using Pipeline.Contracts;

namespace Pipeline.ServiceDefaults.Kafka.Topics;

/// <summary>
/// A topic a service relies on. <see cref="MustExist"/> is false for a topic something else creates on demand (a
/// Streamiz changelog on a broker with the CreateTopics API); <see cref="MustCompact"/> for a changelog, which
/// on delete retention forgets its keys.
/// </summary>
public sealed record TopicNeed(string Name, bool MustExist, bool MustCompact)
{
    /// <summary>Topics that must exist, each compacted when it is a changelog (<see cref="TopicSettings.IsChangelog"/>).</summary>
    public static IEnumerable<TopicNeed> Existing(KafkaTopics topics, IEnumerable<string> names) =>
        names.Distinct(StringComparer.Ordinal).Select(n => new TopicNeed(n, MustExist: true, TopicSettings.IsChangelog(topics, n)));
}
