namespace Pipeline.Cli.Status;

/// <summary>One operator rule's line of `./pipeline status`, from the rules processor's per-rule metrics (docs/rules.md).</summary>
public sealed record RuleStatus(string Rule, double Matched, double MatchedPerSecond, string Succeeded, string Failed, double EvaluationErrors)
{
    private const string Matches = "rules_rule_matched_total";
    private const string Actions = "rules_rule_actions_total";
    private const string Errors = "rules_rule_evaluation_errors_total";

    /// <summary>Every rule that has a series, by name; rates over the time between the two samples.</summary>
    public static IReadOnlyList<RuleStatus> From(MetricsSample before, MetricsSample now)
    {
        var seconds = before.TakenAt == DateTime.MinValue ? 0 : (now.TakenAt - before.TakenAt).TotalSeconds;
        var rules = now.All.Where(s => s.Name is Matches or Actions or Errors && s.Labels.ContainsKey("rule"))
            .Select(s => s.Labels["rule"]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return rules.Select(rule =>
        {
            bool Of(IReadOnlyDictionary<string, string> l) => l.TryGetValue("rule", out var r) && r == rule;
            var matched = now.Sum(Matches, Of);
            var rate = seconds > 0 ? Math.Max(0, matched - before.Sum(Matches, Of)) / seconds : 0;
            return new RuleStatus(rule, matched, rate, ByAction(now, rule, "succeeded"), ByAction(now, rule, "failed"), now.Sum(Errors, Of));
        }).ToList();
    }

    private static string ByAction(MetricsSample sample, string rule, string outcome) =>
        string.Join(", ", sample.All
            .Where(s => s.Name == Actions && s.Labels.GetValueOrDefault("rule") == rule && s.Labels.GetValueOrDefault("outcome") == outcome && s.Value > 0)
            .GroupBy(s => s.Labels.GetValueOrDefault("action") ?? "")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Sum(s => s.Value):0}"));
}
