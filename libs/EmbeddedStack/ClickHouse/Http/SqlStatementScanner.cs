namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// What the HTTP front needs to know about one statement: its kind, its FORMAT clause and,
/// for an INSERT, where its inline data starts. Works on bytes because the text after an
/// INSERT's FORMAT name is binary data; offsets are byte offsets.
/// </summary>
internal sealed record SqlStatementInfo(
    string Kind,
    string? FormatName,
    int FormatKeywordStart,
    int SettingsKeywordStart,
    int ValuesKeywordStart,
    int DataStart,
    int StatementEnd)
{
    public bool IsInsert => Kind == "INSERT";

    /// <summary>An INSERT whose rows follow the statement (FORMAT name or VALUES) rather than a SELECT or FROM INFILE.</summary>
    public bool HasInlineData => IsInsert && DataStart >= 0;
}

/// <summary>
/// A small lexer for ClickHouse SQL: skips strings, quoted identifiers and comments so that
/// keywords inside them are not mistaken for clauses, and tracks parenthesis depth so only
/// top-level FORMAT/SETTINGS/VALUES count.
/// </summary>
internal static class SqlStatementScanner
{
    public static SqlStatementInfo Scan(ReadOnlySpan<byte> sql)
    {
        string? kind = null;
        string? formatName = null;
        int formatStart = -1, settingsStart = -1, valuesStart = -1, dataStart = -1;
        var depth = 0;
        var expectFormatName = false;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (IsSpace(c)) { i++; continue; }
            if (c == '-' && Next(sql, i) == '-' || c == '#')
            {
                i = SkipLine(sql, i);
                continue;
            }
            if (c == '/' && Next(sql, i) == '*')
            {
                i = SkipBlockComment(sql, i);
                continue;
            }
            if (c is (byte)'\'' or (byte)'"' or (byte)'`')
            {
                if (expectFormatName && c != '\'')
                {
                    var end = SkipQuoted(sql, i, c);
                    formatName = System.Text.Encoding.UTF8.GetString(sql[(i + 1)..Math.Max(i + 1, end - 1)]);
                    expectFormatName = false;
                    i = end;
                    if (kind == "INSERT") { dataStart = SkipToDataStart(sql, i); break; }
                    continue;
                }
                i = SkipQuoted(sql, i, c);
                continue;
            }
            if (c == '(') { depth++; i++; continue; }
            if (c == ')') { depth = Math.Max(0, depth - 1); i++; continue; }
            if (c == ';' && depth == 0)
                return new SqlStatementInfo(kind ?? "", formatName, formatStart, settingsStart, valuesStart, dataStart, i);
            if (IsWordStart(c))
            {
                var start = i;
                while (i < sql.Length && IsWordPart(sql[i])) i++;
                var word = sql[start..i];
                if (kind is null)
                {
                    kind = System.Text.Encoding.ASCII.GetString(word).ToUpperInvariant();
                    continue;
                }
                if (expectFormatName)
                {
                    formatName = System.Text.Encoding.ASCII.GetString(word);
                    expectFormatName = false;
                    if (kind == "INSERT") { dataStart = SkipToDataStart(sql, i); break; }
                    continue;
                }
                if (depth != 0)
                    continue;
                if (Is(word, "FORMAT"))
                {
                    formatStart = start;
                    expectFormatName = true;
                }
                else if (Is(word, "SETTINGS"))
                {
                    settingsStart = start;
                }
                else if (kind == "INSERT" && Is(word, "VALUES"))
                {
                    valuesStart = start;
                    dataStart = i;
                    break;
                }
                else if (kind == "INSERT" && (Is(word, "SELECT") || Is(word, "WITH") || Is(word, "INFILE")))
                {
                    // INSERT ... SELECT and FROM INFILE carry no inline data; the rest is the statement.
                    return new SqlStatementInfo(kind, FindTrailingFormat(sql, i), formatStart, settingsStart, -1, -1, sql.Length);
                }
                continue;
            }
            i++;
        }
        return new SqlStatementInfo(kind ?? "", formatName, formatStart, settingsStart, valuesStart, dataStart, dataStart >= 0 ? dataStart : sql.Length);
    }

    private static string? FindTrailingFormat(ReadOnlySpan<byte> sql, int from)
    {
        var rest = Scan(sql[from..]);
        return rest.FormatName;
    }

    /// <summary>
    /// ClickHouse starts inline data after the format name, skipping blanks up to and including
    /// one line break; everything after that is data, byte for byte.
    /// </summary>
    private static int SkipToDataStart(ReadOnlySpan<byte> sql, int i)
    {
        while (i < sql.Length && sql[i] is (byte)' ' or (byte)'\t' or (byte)'\f') i++;
        if (i < sql.Length && sql[i] == '\r') i++;
        if (i < sql.Length && sql[i] == '\n') i++;
        return i;
    }

    private static bool Is(ReadOnlySpan<byte> word, string keyword)
    {
        if (word.Length != keyword.Length) return false;
        for (var k = 0; k < word.Length; k++)
            if (char.ToUpperInvariant((char)word[k]) != keyword[k]) return false;
        return true;
    }

    private static int Next(ReadOnlySpan<byte> sql, int i) => i + 1 < sql.Length ? sql[i + 1] : -1;

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v';

    private static bool IsWordStart(byte c) => c is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or (byte)'_';

    private static bool IsWordPart(byte c) => IsWordStart(c) || c is >= (byte)'0' and <= (byte)'9';

    private static int SkipLine(ReadOnlySpan<byte> sql, int i)
    {
        var end = sql[i..].IndexOf((byte)'\n');
        return end < 0 ? sql.Length : i + end + 1;
    }

    private static int SkipBlockComment(ReadOnlySpan<byte> sql, int i)
    {
        var nesting = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && Next(sql, i) == '*') { nesting++; i += 2; continue; }
            if (sql[i] == '*' && Next(sql, i) == '/') { nesting--; i += 2; if (nesting == 0) return i; continue; }
            i++;
        }
        return sql.Length;
    }

    /// <summary>Skips a quoted string or identifier: backslash escapes and a doubled quote both continue it.</summary>
    private static int SkipQuoted(ReadOnlySpan<byte> sql, int i, byte quote)
    {
        i++;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '\\') { i += 2; continue; }
            if (c == quote)
            {
                if (Next(sql, i) == quote) { i += 2; continue; }
                return i + 1;
            }
            i++;
        }
        return sql.Length;
    }
}
