namespace Pipeline.RulesSql.Definitions;

/// <summary>A rule that cannot be stored, with a reason for the operator (the SQL's own errors keep their position).</summary>
public sealed class RuleDefinitionException(string reason, RuleSqlException? sqlError = null) : Exception(reason, sqlError)
{
    /// <summary>Set when the statement or a target template was refused: its line and column.</summary>
    public RuleSqlException? SqlError { get; } = sqlError;

    /// <summary>The part of the rule at fault when known: "sql", "actions[0]", "errorAction", "name", "description".</summary>
    public string? Field { get; init; }
}
