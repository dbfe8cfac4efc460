using System.Collections.Concurrent;
using Prometheus;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// Per-rule metrics, labelled by rule name (operator-created, so the label set stays small); a deleted rule's
/// series are removed. Read by <c>./pipeline status</c> from the processor's /metrics.
/// </summary>
public sealed class RuleMetrics
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    private readonly Counter _matched;
    private readonly Counter _actions;
    private readonly Counter _evaluationErrors;
    private readonly Counter _refused;
    private readonly ConcurrentDictionary<string, Counter.Child> _matchedByRule = new();
    private readonly ConcurrentDictionary<(string, string, string), Counter.Child> _actionsByRule = new();

    public RuleMetrics(IMetricFactory factory)
    {
        _matched = factory.CreateCounter("rules_rule_matched_total", "Messages whose topic matched a rule's FROM and that passed its WHERE.", ["rule"]);
        _actions = factory.CreateCounter("rules_rule_actions_total", "A rule's actions by type and outcome (succeeded, failed).", ["rule", "action", "outcome"]);
        _evaluationErrors = factory.CreateCounter("rules_rule_evaluation_errors_total", "Messages a rule could not evaluate (e.g. an event body that is not a JSON object).", ["rule"]);
        _refused = factory.CreateCounter("rules_rule_definitions_refused_total", "Records of the rules topic that could not be read or failed the checks (the rule does not run).");
    }

    public void Matched(string rule) => _matchedByRule.GetOrAdd(rule, r => _matched.WithLabels(r)).Inc();

    public void Action(string rule, string action, bool succeeded)
    {
        var key = (rule, action, succeeded ? Succeeded : Failed);
        _actionsByRule.GetOrAdd(key, k => _actions.WithLabels(k.Item1, k.Item2, k.Item3)).Inc();
    }

    public void EvaluationError(string rule) => _evaluationErrors.WithLabels(rule).Inc();

    public void DefinitionRefused() => _refused.Inc();

    public double MatchedCount(string rule) => _matched.WithLabels(rule).Value;

    public double ActionCount(string rule, string action, string outcome) => _actions.WithLabels(rule, action, outcome).Value;

    public double EvaluationErrors(string rule) => _evaluationErrors.WithLabels(rule).Value;

    public double RefusedCount => _refused.Value;

    /// <summary>Drops the series of a deleted rule.</summary>
    public void Forget(string rule)
    {
        if (_matchedByRule.TryRemove(rule, out _)) _matched.RemoveLabelled(rule);
        _evaluationErrors.RemoveLabelled(rule);
        foreach (var key in _actionsByRule.Keys.Where(k => k.Item1 == rule).ToList())
        {
            _actionsByRule.TryRemove(key, out _);
            _actions.RemoveLabelled(key.Item1, key.Item2, key.Item3);
        }
    }
}
