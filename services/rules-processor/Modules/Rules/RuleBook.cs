using System.Collections.Immutable;
using Pipeline.RulesSql;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// The operators' rules as this processor knows them (iot.rules, followed by <see cref="RuleBookFollower"/>): an
/// immutable <see cref="RuleSet"/> swapped atomically on each change, so the stream thread reads one consistent set
/// per record without a lock. A rule is compiled once per version. A stored rule that cannot be read or no longer
/// passes <see cref="RuleValidator"/> is logged and counted and does not run; it never stops the processor.
/// </summary>
public sealed class RuleBook(ILogger<RuleBook> logger, RuleMetrics metrics)
{
    private readonly Lock _write = new();
    private volatile RuleSet _current = RuleSet.Empty;

    /// <summary>The rules in force now.</summary>
    public RuleSet Current => _current;

    /// <summary>Applies one record of iot.rules: key = rule name, value = the rule's JSON, null = deleted.</summary>
    public void Apply(string? name, ReadOnlySpan<byte> value, bool tombstone)
    {
        if (string.IsNullOrEmpty(name))
        {
            Refuse("(no key)", "a record of the rules topic without a key (the rule name)");
            return;
        }
        lock (_write)
        {
            if (tombstone)
            {
                Replace(name, null);
                metrics.Forget(name);
                logger.LogInformation("Rule {Rule} deleted", name);
                return;
            }
            var definition = RuleDefinitionJson.TryRead(value);
            if (definition is null || definition.Name != name)
            {
                Replace(name, null);
                Refuse(name, definition is null ? "the stored value is not a rule definition (JSON)" : $"the stored rule is named '{definition.Name}', not its key");
                return;
            }
            if (_current.TryGet(name, out var loaded) && loaded.Version == definition.Version && RuleDefinitionJson.ToText(loaded.Definition) == RuleDefinitionJson.ToText(definition))
                return; // the same version again (a re-read after a rebalance of the follower): already compiled
            PreparedRule prepared;
            try
            {
                prepared = RuleValidator.Prepare(definition, RuleSqlLimits.Default);
            }
            catch (RuleDefinitionException error)
            {
                Replace(name, null);
                Refuse(name, error.Message);
                return;
            }
            Replace(name, prepared);
            logger.LogInformation("Rule {Rule} version {Version} loaded ({State})", name, definition.Version, definition.Enabled ? "enabled" : "disabled");
        }
    }

    /// <summary>Applies a rule directly (tests, the benchmark).</summary>
    public void Put(RuleDefinition definition) => Apply(definition.Name, RuleDefinitionJson.ToBytes(definition), tombstone: false);

    public void Delete(string name) => Apply(name, default, tombstone: true);

    private void Replace(string name, PreparedRule? rule) => _current = _current.With(name, rule);

    private void Refuse(string name, string reason)
    {
        metrics.DefinitionRefused();
        // The reason names the rule's own problem (position in the SQL, which action); a URL's query or user-info is left out.
        logger.LogWarning("Rule {Rule} in the rules topic is not used: {Reason}", name, SecretRedaction.Redact(reason));
    }
}

/// <summary>One consistent set of rules: every loaded rule by name, and the enabled ones in name order.</summary>
public sealed class RuleSet
{
    public static readonly RuleSet Empty = new(ImmutableSortedDictionary<string, PreparedRule>.Empty.WithComparers(StringComparer.Ordinal));

    private readonly ImmutableSortedDictionary<string, PreparedRule> _byName;

    private RuleSet(ImmutableSortedDictionary<string, PreparedRule> byName)
    {
        _byName = byName;
        Enabled = [.. byName.Values.Where(r => r.Definition.Enabled)];
    }

    /// <summary>Evaluated for every record, in this order.</summary>
    public PreparedRule[] Enabled { get; }

    public int Count => _byName.Count;

    /// <summary>The enabled rules whose FROM matches <paramref name="topic"/>, in evaluation order (<see cref="RuleMatchCache"/> remembers them per topic).</summary>
    public PreparedRule[] Matching(string topic)
    {
        var count = 0;
        foreach (var rule in Enabled)
        {
            if (rule.Statement.Matches(topic))
                count++;
        }
        if (count == 0)
            return [];
        var matching = new PreparedRule[count];
        count = 0;
        foreach (var rule in Enabled)
        {
            if (rule.Statement.Matches(topic))
                matching[count++] = rule;
        }
        return matching;
    }

    public bool TryGet(string name, out PreparedRule rule) => _byName.TryGetValue(name, out rule!);

    internal RuleSet With(string name, PreparedRule? rule) =>
        new(rule is null ? _byName.Remove(name) : _byName.SetItem(name, rule));
}
