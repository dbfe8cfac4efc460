using Pipeline.RulesSql.Definitions;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// The enabled rules whose FROM matches a topic, remembered per topic for one <see cref="RuleSet"/>: a device publishes
/// on the same few topics record after record, so each is matched against every rule's topic filter once, not on every
/// record. A change of the rules makes a new RuleSet, and the first record after it starts the cache afresh, so a rule
/// added, changed, disabled or deleted takes effect on the next record and a topic seen before is matched again.
/// </summary>
/// <remarks>
/// Not thread-safe: each evaluating node (one per Streamiz task, run by one stream thread) has its own. Bounded: when
/// <see cref="Capacity"/> topics are held it is emptied and fills again, so a fleet larger than that costs a match per
/// record, as without a cache, and memory stays bounded.
/// </remarks>
public sealed class RuleMatchCache(int capacity = RuleMatchCache.DefaultCapacity)
{
    public const int DefaultCapacity = 4096;

    private readonly Dictionary<string, PreparedRule[]> _byTopic = new(StringComparer.Ordinal);
    private RuleSet? _rules;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "at least one topic");

    /// <summary>Topics held now.</summary>
    public int Count => _byTopic.Count;

    /// <summary>The enabled rules of <paramref name="rules"/> whose FROM matches <paramref name="topic"/>, in evaluation order; empty when none does.</summary>
    public PreparedRule[] Matching(RuleSet rules, string topic)
    {
        if (!ReferenceEquals(rules, _rules))
        {
            _byTopic.Clear();
            _rules = rules;
        }
        if (_byTopic.TryGetValue(topic, out var matching))
            return matching;
        matching = rules.Matching(topic);
        if (_byTopic.Count >= Capacity)
            _byTopic.Clear();
        _byTopic[topic] = matching;
        return matching;
    }
}
