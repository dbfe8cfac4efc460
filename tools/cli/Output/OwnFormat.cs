using System.Text.RegularExpressions;

namespace Pipeline.Cli.Output;

/// <summary>
/// Whether a query names its own output format (`FORMAT Vertical`, `FORMAT JSONEachRow`, ...): then ClickHouse's bytes are
/// printed as they come, because the driver can only read its own binary format.
/// </summary>
public static partial class OwnFormat
{
    public static bool IsChosenIn(string sql) => Trailing().IsMatch(sql);

    /// <summary>
    /// `FORMAT Name` at the end, as ClickHouse's grammar puts it last, optionally followed by a `SETTINGS ...` clause (which
    /// ClickHouse accepts on either side of FORMAT) and a `;`.
    /// </summary>
    [GeneratedRegex(@"\bFORMAT\s+[A-Za-z][A-Za-z0-9_]*(\s+SETTINGS\s+(?:[^;']|'[^']*')*?)?\s*;?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Trailing();
}
