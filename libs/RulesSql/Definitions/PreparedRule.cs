namespace Pipeline.RulesSql.Definitions;

/// <summary>A checked rule, compiled once per version: its statement and each action's target template.</summary>
public sealed class PreparedRule
{
    internal PreparedRule(RuleDefinition definition, CompiledRule statement, IReadOnlyList<PreparedAction> actions, PreparedAction? errorAction)
    {
        Definition = definition;
        Statement = statement;
        Actions = actions;
        ErrorAction = errorAction;
        Tag = $"{definition.Name}:{definition.Version}";
    }

    /// <summary>"name:version": what its outputs are labelled with (the kafka action's iot-rule header), made once.</summary>
    public string Tag { get; }

    public RuleDefinition Definition { get; }
    public string Name => Definition.Name;
    public long Version => Definition.Version;
    public CompiledRule Statement { get; }
    public IReadOnlyList<PreparedAction> Actions { get; }
    public PreparedAction? ErrorAction { get; }
}

/// <summary>An action with its target compiled; <see cref="Index"/> is its place in the rule (part of idempotency keys).</summary>
public sealed record PreparedAction(RuleAction Action, Template Target, int Index)
{
    public RuleActionType Type => Action.Type;
}
