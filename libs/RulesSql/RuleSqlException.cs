namespace Pipeline.RulesSql;

/// <summary>The one exception Parse and Compile throw: a statement or template that cannot be
/// accepted, with the 1-based position of the problem and a reason written for the operator.
/// Message reads "line 1, column 24: unknown function 'lowr' (did you mean 'lower'?)".</summary>
public sealed class RuleSqlException(int line, int column, string reason)
    : Exception($"line {line}, column {column}: {reason}")
{
    public int Line { get; } = line;
    public int Column { get; } = column;

    /// <summary>The reason without the position.</summary>
    public string Reason { get; } = reason;

    /// <summary>Points at a character offset of the text (0-based), counting lines by '\n'.</summary>
    internal static RuleSqlException At(string text, int offset, string reason)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (text[i] != '\n') continue;
            line++;
            lineStart = i + 1;
        }
        return new RuleSqlException(line, offset - lineStart + 1, reason);
    }
}
