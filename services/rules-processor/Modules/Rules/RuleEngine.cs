using Pipeline.RulesSql;
using Pipeline.RulesSql.Definitions;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// Runs the enabled rules on one record: each rule whose FROM matches the record's topic is evaluated, and each action
/// of a rule whose WHERE held makes a <see cref="RuleOutput"/>. An evaluation error or a failed action goes to the
/// rule's error action, or to iot.rejected (RULE_ACTION_FAILED) when it has none; one rule's failure never stops the
/// others. Pure: no I/O, so it runs on the stream thread.
/// </summary>
public sealed class RuleEngine(RuleActionWriter actions, RuleMetrics metrics)
{
    public void Run(RuleSet rules, RuleSubject subject, SourceRef source, List<RuleOutput> into) =>
        RunMatching(rules.Matching(subject.Topic), subject, source, into);

    /// <summary>
    /// Runs <paramref name="matching"/>: the enabled rules whose FROM matches the subject's topic, in order (from
    /// <see cref="RuleSet.Matching"/> or a <see cref="RuleMatchCache"/>). With none, the record costs nothing more.
    /// </summary>
    public void RunMatching(PreparedRule[] matching, RuleSubject subject, SourceRef source, List<RuleOutput> into)
    {
        RuleContext? context = null;
        SqlObject? message = null;
        string? unreadable = null;
        foreach (var rule in matching)
        {
            context ??= new RuleContext(subject.Topic, subject.DeviceId, subject.ReceivedTsMs, subject.Attributes);
            if (message is null && unreadable is null)
            {
                try
                {
                    message = subject.Message();
                }
                catch (Exception error) when (error is System.Text.Json.JsonException or InvalidOperationException or RuleSqlException)
                {
                    unreadable = $"the message cannot be evaluated: {error.Message}";
                }
            }
            if (message is null)
            {
                metrics.EvaluationError(rule.Name);
                var invocation = new RuleInvocation(rule, subject, source, SqlObject.Empty, context, null);
                actions.Failed(invocation, null, unreadable!, subject.RawPayload(), into);
                continue;
            }
            Evaluate(rule, subject, source, message, context, into);
        }
    }

    // The invocation is only built for a rule that matched or failed: most records fail most WHEREs.
    private void Evaluate(PreparedRule rule, RuleSubject subject, SourceRef source, SqlObject message, RuleContext context, List<RuleOutput> into)
    {
        RuleResult? result;
        try
        {
            result = rule.Statement.Evaluate(message, context);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // The compiler checks what it can; what is left (a value out of range, a limit hit) is this record's problem, not the stream's.
            metrics.EvaluationError(rule.Name);
            actions.Failed(new RuleInvocation(rule, subject, source, message, context, null), null, $"evaluation failed: {error.Message}",
                SqlJson.ToJsonBytes(SqlValue.FromObject(message)), into);
            return;
        }
        if (result is null)
            return; // WHERE did not hold
        metrics.Matched(rule.Name);
        var invocation = new RuleInvocation(rule, subject, source, message, context, result);
        foreach (var action in rule.Actions)
            actions.Perform(invocation, action, into);
    }
}

/// <summary>One rule on one record: what its actions and error action render their targets and documents from.</summary>
public sealed record RuleInvocation(PreparedRule Rule, RuleSubject Subject, SourceRef Source, SqlObject Message, RuleContext Context, RuleResult? Result)
{
    /// <summary>"name:version", the kafka action's iot-rule header.</summary>
    public string Tag => Rule.Tag;
}
