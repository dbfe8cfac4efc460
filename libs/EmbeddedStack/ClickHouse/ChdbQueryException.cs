using System.Text.RegularExpressions;

namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>
/// A query chDB refused. <see cref="Exception.Message"/> is ClickHouse's own text
/// ("Code: 60. DB::Exception: ... (UNKNOWN_TABLE)"), <see cref="Code"/> its numeric error code
/// (0 when the text carried none) and <see cref="ErrorName"/> the symbolic name when present.
/// </summary>
public sealed partial class ChdbQueryException : Exception
{
    public ChdbQueryException(string serverText)
        : base(serverText.TrimEnd())
    {
        var match = CodePattern().Match(serverText);
        Code = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var name = NamePattern().Match(serverText.TrimEnd());
        ErrorName = name.Success ? name.Groups[1].Value : null;
    }

    public int Code { get; }

    public string? ErrorName { get; }

    [GeneratedRegex(@"Code:\s*(\d+)")]
    private static partial Regex CodePattern();

    // ClickHouse ends the message with "(ERROR_NAME)", optionally followed by "(version ...)".
    [GeneratedRegex(@"\(([A-Z][A-Z0-9_]+)\)(?:\s*\(version [^)]*\))?\s*$")]
    private static partial Regex NamePattern();
}
