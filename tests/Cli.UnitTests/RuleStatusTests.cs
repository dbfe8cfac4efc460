using Pipeline.Cli.Status;

namespace Pipeline.Cli.UnitTests;

public sealed class RuleStatusTests
{
    [Fact]
    public void Each_rule_gets_its_matches_rate_actions_by_outcome_and_evaluation_errors()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var before = MetricsSample.Parse("""
            rules_rule_matched_total{rule="hot"} 10
            """, t0);
        var now = MetricsSample.Parse("""
            rules_rule_matched_total{rule="hot"} 30
            rules_rule_actions_total{rule="hot",action="kafka",outcome="succeeded"} 30
            rules_rule_actions_total{rule="hot",action="http",outcome="failed"} 2
            rules_rule_actions_total{rule="hot",action="http",outcome="succeeded"} 28
            rules_rule_evaluation_errors_total{rule="door"} 3
            rules_records_in_total{module="rules"} 100
            """, t0.AddSeconds(2));

        var rules = RuleStatus.From(before, now);

        Assert.Equal(["door", "hot"], rules.Select(r => r.Rule));
        var hot = rules[1];
        Assert.Equal((30.0, 10.0, "http 28, kafka 30", "http 2", 0.0), (hot.Matched, hot.MatchedPerSecond, hot.Succeeded, hot.Failed, hot.EvaluationErrors));
        Assert.Equal(3, rules[0].EvaluationErrors);
    }
}
