using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>Whether a kafka action's topic exists, asked before its record is handed to Streamiz.</summary>
public interface IRuleTopicDirectory
{
    /// <summary>False with the reason when the topic does not exist (or cannot be told to): the action fails, not the stream.</summary>
    bool Exists(string topic, out string? reason);
}

/// <summary>For the topology test driver, whose producer takes any topic.</summary>
public sealed class AnyTopicExists : IRuleTopicDirectory
{
    public static readonly AnyTopicExists Instance = new();

    public bool Exists(string topic, out string? reason)
    {
        reason = null;
        return true;
    }
}

/// <summary>
/// Asks the brokers' metadata once per topic. A record Streamiz cannot produce (unknown topic) fails the stream thread
/// and with it every device's telemetry, so a kafka action to a topic that does not exist goes to the rule's error action
/// instead. A topic that exists is remembered; one that does not is asked again after <see cref="RecheckAfter"/>, so an
/// operator who creates it sees the action work without a restart. The first look-up of a topic is on the stream thread
/// (a metadata request, milliseconds), bounded by <see cref="LookupTimeout"/>.
/// </summary>
/// <param name="kafka">Resolved at the first look-up: `--list-topics` builds the topology without Kafka clients.</param>
public sealed class KafkaRuleTopicDirectory(Func<KafkaClientFactory> kafka) : IRuleTopicDirectory, IDisposable
{
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (bool Exists, long CheckedAt)> _known = new(StringComparer.Ordinal);
    private readonly Lazy<IAdminClient> _admin = new(() => kafka().CreateAdmin(kafka().AdminConfig("rule-topics")));

    public bool Exists(string topic, out string? reason)
    {
        reason = null;
        if (_known.TryGetValue(topic, out var known) && (known.Exists || Stopwatch.GetElapsedTime(known.CheckedAt) < RecheckAfter))
            return known.Exists || Missing(topic, out reason);
        var exists = Lookup(topic);
        _known[topic] = (exists, Stopwatch.GetTimestamp());
        return exists || Missing(topic, out reason);
    }

    private bool Lookup(string topic)
    {
        // The metadata of all topics, not of this one: a metadata request naming a topic lets a broker that auto-creates
        // topics create it, and the topic's name may come from a device's data (${...} in the target).
        try
        {
            var metadata = _admin.Value.GetMetadata(LookupTimeout);
            return metadata.Topics.Any(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0);
        }
        catch (KafkaException)
        {
            return false;
        }
    }

    private static bool Missing(string topic, out string? reason)
    {
        reason = $"Kafka topic '{topic}' does not exist (create it, e.g. ./pipeline topics provision or kafka-topics --create)";
        return false;
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
            _admin.Value.Dispose();
    }
}
