using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.RulesProcessor.Modules.Rules;
using Prometheus;
using static Pipeline.RulesProcessor.UnitTests.Rules.RulesHarness;

namespace Pipeline.RulesProcessor.UnitTests.Rules;

/// <summary>The per-topic memory of which rules' FROM match: never stale after a change of the rules, and bounded.</summary>
public sealed class RuleMatchCacheTests
{
    private const string Telemetry = "devices/dev-1/telemetry";

    private readonly RuleBook _book = new(NullLogger<RuleBook>.Instance, new RuleMetrics(Metrics.WithCustomRegistry(new CollectorRegistry())));
    private readonly RuleMatchCache _cache = new();

    private string[] Matching(string topic) => [.. _cache.Matching(_book.Current, topic).Select(r => r.Name)];

    [Fact]
    public void A_rule_added_after_a_topic_was_seen_matches_it_on_the_next_record()
    {
        _book.Put(Rule("a", "SELECT * FROM 'devices/+/telemetry'", "kafka:out"));
        Assert.Equal(["a"], Matching(Telemetry));

        _book.Put(Rule("b", "SELECT * FROM 'devices/#'", "kafka:out"));

        Assert.Equal(["a", "b"], Matching(Telemetry));
    }

    [Fact]
    public void A_topic_seen_before_a_rule_changed_its_FROM_is_matched_again_after()
    {
        var rule = Rule("r", "SELECT * FROM 'devices/+/telemetry'", "kafka:out");
        _book.Put(rule);
        Assert.Equal(["r"], Matching(Telemetry));
        Assert.Empty(Matching("devices/dev-1/events"));

        _book.Put(rule with { Sql = "SELECT * FROM 'devices/+/events'", Version = 2 });

        Assert.Empty(Matching(Telemetry));
        Assert.Equal(["r"], Matching("devices/dev-1/events"));
        Assert.Equal(2, _cache.Matching(_book.Current, "devices/dev-1/events")[0].Version);
    }

    [Fact]
    public void A_disabled_or_deleted_rule_no_longer_matches_a_topic_seen_before()
    {
        var rule = Rule("r", "SELECT * FROM 'devices/+/telemetry'", "kafka:out");
        _book.Put(rule);
        _book.Put(Rule("other", "SELECT * FROM '#'", "kafka:out"));
        Assert.Equal(["other", "r"], Matching(Telemetry));

        _book.Put(rule with { Enabled = false, Version = 2 });
        Assert.Equal(["other"], Matching(Telemetry));

        _book.Put(rule with { Version = 3 });
        Assert.Equal(["other", "r"], Matching(Telemetry));

        _book.Delete("r");
        Assert.Equal(["other"], Matching(Telemetry));
    }

    [Fact]
    public void It_gives_what_matching_every_rule_gives_in_the_same_order()
    {
        _book.Put(Rule("c", "SELECT * FROM 'devices/+/telemetry'", "kafka:out"));
        _book.Put(Rule("a", "SELECT * FROM 'devices/dev-1/#'", "kafka:out"));
        _book.Put(Rule("b", "SELECT * FROM 'devices/dev-2/telemetry'", "kafka:out"));
        _book.Put(Rule("d", "SELECT * FROM '#'", "kafka:out"));

        foreach (var topic in new[] { Telemetry, "devices/dev-2/telemetry", "devices/dev-1", "$SYS/x", "other/topic", Telemetry })
        {
            var expected = _book.Current.Enabled.Where(r => r.Statement.Matches(topic)).Select(r => r.Name);
            Assert.Equal(expected, Matching(topic));
        }
    }

    [Fact]
    public void It_holds_at_most_its_capacity_of_topics_and_still_answers_right_past_it()
    {
        var cache = new RuleMatchCache(capacity: 2);
        _book.Put(Rule("r", "SELECT * FROM 'devices/+/telemetry'", "kafka:out"));

        for (var d = 1; d <= 5; d++)
        {
            Assert.Single(cache.Matching(_book.Current, $"devices/dev-{d}/telemetry"));
            Assert.Empty(cache.Matching(_book.Current, $"devices/dev-{d}/events"));
            Assert.InRange(cache.Count, 1, 2);
        }
    }
}
