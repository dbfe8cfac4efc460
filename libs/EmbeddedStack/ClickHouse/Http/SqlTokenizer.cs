using System.Globalization;
using System.Text;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

internal enum SqlTokenKind
{
    /// <summary>An unquoted word: keyword or identifier.</summary>
    Word,
    /// <summary>A "double-quoted" or `back-quoted` identifier, escapes decoded.</summary>
    QuotedIdentifier,
    /// <summary>A 'string literal' (its text is not kept).</summary>
    String,
    Number,
    /// <summary>One punctuation character: ( ) , ; = . and the rest.</summary>
    Symbol,
}

/// <summary>One token; <see cref="Depth"/> is the parenthesis depth it sits at.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Depth)
{
    public bool IsWord(string keyword) => Kind == SqlTokenKind.Word && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(char symbol) => Kind == SqlTokenKind.Symbol && Text.Length == 1 && Text[0] == symbol;

    /// <summary>A name as ClickHouse resolves it: a word or a quoted identifier.</summary>
    public bool IsName => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier;
}

/// <summary>
/// Splits ClickHouse SQL into tokens the way its lexer does for what the access checks need:
/// comments (--, #, nested /* */) vanish, so do blanks, quoted identifiers are decoded (a backquoted
/// `fi\x6ce` is the name file), and string literals are opaque. Case is kept; callers compare
/// case-insensitively.
/// </summary>
internal static class SqlTokenizer
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var depth = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if ((c == '-' && At(sql, i + 1) == '-') || c == '#')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
                continue;
            }
            if (c == '/' && At(sql, i + 1) == '*') { i = SkipBlockComment(sql, i); continue; }
            if (c is '"' or '`')
            {
                var (text, end) = ReadQuoted(sql, i);
                tokens.Add(new(SqlTokenKind.QuotedIdentifier, text, depth));
                i = end;
                continue;
            }
            if (c == '\'')
            {
                var (_, end) = ReadQuoted(sql, i);
                tokens.Add(new(SqlTokenKind.String, "", depth));
                i = end;
                continue;
            }
            if (c == '$' && HeredocEnd(sql, i) is var heredocEnd && heredocEnd > 0)
            {
                // $tag$ ... $tag$ is a string literal: a quote inside it must not start one here.
                tokens.Add(new(SqlTokenKind.String, "", depth));
                i = heredocEnd;
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_' || c > 127)
            {
                var start = i;
                while (i < sql.Length && IsWordPart(sql[i])) i++;
                tokens.Add(new(SqlTokenKind.Word, sql[start..i], depth));
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] is '.' or '_')) i++;
                tokens.Add(new(SqlTokenKind.Number, sql[start..i], depth));
                continue;
            }
            if (c == '(') { tokens.Add(new(SqlTokenKind.Symbol, "(", depth)); depth++; i++; continue; }
            if (c == ')') { depth = Math.Max(0, depth - 1); tokens.Add(new(SqlTokenKind.Symbol, ")", depth)); i++; continue; }
            tokens.Add(new(SqlTokenKind.Symbol, c.ToString(), depth));
            i++;
        }
        return tokens;
    }

    private static char At(string sql, int i) => i < sql.Length ? sql[i] : '\0';

    // Non-ASCII letters may be part of a name, non-ASCII blanks (a no-break space) may not: `file\u00A0(`
    // must read as file followed by (, whatever the engine makes of the blank.
    private static bool IsWordPart(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '_' or '$' || (c > 127 && !char.IsWhiteSpace(c) && !char.IsControl(c));

    /// <summary>The end of a heredoc string starting at <paramref name="i"/> ($tag$ ... $tag$), or 0 when there is none.</summary>
    private static int HeredocEnd(string sql, int i)
    {
        var tagEnd = i + 1;
        while (tagEnd < sql.Length && (char.IsAsciiLetterOrDigit(sql[tagEnd]) || sql[tagEnd] == '_')) tagEnd++;
        if (tagEnd >= sql.Length || sql[tagEnd] != '$')
            return 0;
        var tag = sql[i..(tagEnd + 1)];
        var close = sql.IndexOf(tag, tagEnd + 1, StringComparison.Ordinal);
        return close < 0 ? sql.Length : close + tag.Length;
    }

    private static int SkipBlockComment(string sql, int i)
    {
        var nesting = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && At(sql, i + 1) == '*') { nesting++; i += 2; continue; }
            if (sql[i] == '*' && At(sql, i + 1) == '/') { i += 2; if (--nesting == 0) return i; continue; }
            i++;
        }
        return sql.Length;
    }

    /// <summary>Reads a quoted token starting at <paramref name="i"/>: a doubled quote and backslash escapes continue it.</summary>
    private static (string Text, int End) ReadQuoted(string sql, int i)
    {
        var quote = sql[i++];
        var text = new StringBuilder();
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '\\' && i + 1 < sql.Length)
            {
                i = ReadEscape(sql, i + 1, text);
                continue;
            }
            if (c == quote)
            {
                if (At(sql, i + 1) == quote) { text.Append(quote); i += 2; continue; }
                return (text.ToString(), i + 1);
            }
            text.Append(c);
            i++;
        }
        return (text.ToString(), sql.Length);
    }

    /// <summary>ClickHouse's escapes in quoted text: \xHH, \0, \b, \f, \n, \r, \t; any other escaped character stands for itself.</summary>
    private static int ReadEscape(string sql, int i, StringBuilder text)
    {
        var c = sql[i];
        if ((c == 'x' || c == 'X') && i + 2 < sql.Length
            && byte.TryParse(sql.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
        {
            text.Append((char)value);
            return i + 3;
        }
        text.Append(c switch { '0' => '\0', 'b' => '\b', 'f' => '\f', 'n' => '\n', 'r' => '\r', 't' => '\t', _ => c });
        return i + 1;
    }
}
