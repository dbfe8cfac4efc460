namespace Pipeline.RulesSql;

/// <summary>Bounds on a statement, so a hostile or careless one is refused with a clear error
/// instead of exhausting the stack, memory or time of the processor that compiles it.</summary>
public sealed record RuleSqlLimits
{
    public static readonly RuleSqlLimits Default = new();

    /// <summary>Characters in a statement or a template.</summary>
    public int MaxStatementLength { get; init; } = 16 * 1024;

    /// <summary>Nesting of expressions: parentheses, operators, function arguments, objects, arrays.
    /// The parser recurses once per level, so this bounds its stack use.</summary>
    public int MaxNestingDepth { get; init; } = 64;

    /// <summary>Characters in one string literal or quoted name.</summary>
    public int MaxLiteralLength { get; init; } = 4 * 1024;

    /// <summary>Items in the SELECT list, fields of an object literal, items of a list.</summary>
    public int MaxItems { get; init; } = 256;
}
