using System.Globalization;
using System.Text;

namespace Pipeline.RulesSql.Syntax;

/// <summary>Reads tokens on demand from an offset, so a template can hand the lexer the text after
/// "${" and the parser stops at the matching "}".</summary>
internal sealed class Lexer(string text, int start, RuleSqlLimits limits)
{
    private int _at = start;

    public string Text => text;

    public Token Next()
    {
        SkipWhitespace();
        if (_at >= text.Length) return new Token(TokenKind.End, text.Length, "");
        var begin = _at;
        var c = text[_at];
        if (char.IsAsciiLetter(c) || c == '_') return ReadIdentifier(begin);
        if (char.IsAsciiDigit(c)) return ReadNumber(begin);
        if (c == '\'') return new Token(TokenKind.String, begin, ReadQuoted('\'', "string"));
        if (c == '"') return new Token(TokenKind.QuotedIdentifier, begin, ReadQuoted('"', "quoted name"));
        _at++;
        return c switch
        {
            '(' => new(TokenKind.LeftParen, begin, "("),
            ')' => new(TokenKind.RightParen, begin, ")"),
            '[' => new(TokenKind.LeftBracket, begin, "["),
            ']' => new(TokenKind.RightBracket, begin, "]"),
            '{' => new(TokenKind.LeftBrace, begin, "{"),
            '}' => new(TokenKind.RightBrace, begin, "}"),
            ',' => new(TokenKind.Comma, begin, ","),
            '.' => new(TokenKind.Dot, begin, "."),
            ':' => new(TokenKind.Colon, begin, ":"),
            '*' => new(TokenKind.Star, begin, "*"),
            '+' => new(TokenKind.Plus, begin, "+"),
            '-' => new(TokenKind.Minus, begin, "-"),
            '/' => new(TokenKind.Slash, begin, "/"),
            '%' => new(TokenKind.Percent, begin, "%"),
            '=' => new(TokenKind.Equal, begin, "="),
            '|' when Take('|') => new(TokenKind.Concat, begin, "||"),
            '!' when Take('=') => new(TokenKind.NotEqual, begin, "!="),
            '<' when Take('>') => new(TokenKind.NotEqual, begin, "<>"),
            '<' when Take('=') => new(TokenKind.LessOrEqual, begin, "<="),
            '<' => new(TokenKind.Less, begin, "<"),
            '>' when Take('=') => new(TokenKind.GreaterOrEqual, begin, ">="),
            '>' => new(TokenKind.Greater, begin, ">"),
            _ => throw RuleSqlException.At(text, begin, $"unexpected character '{Printable(c)}'"),
        };
    }

    private bool Take(char expected)
    {
        if (_at >= text.Length || text[_at] != expected) return false;
        _at++;
        return true;
    }

    private void SkipWhitespace()
    {
        while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
    }

    private Token ReadIdentifier(int begin)
    {
        while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '_')) _at++;
        if (_at - begin > limits.MaxLiteralLength)
        {
            throw RuleSqlException.At(text, begin, $"name longer than {limits.MaxLiteralLength} characters");
        }
        return new Token(TokenKind.Identifier, begin, text[begin.._at]);
    }

    private Token ReadNumber(int begin)
    {
        SkipDigits();
        if (_at + 1 < text.Length && text[_at] == '.' && char.IsAsciiDigit(text[_at + 1]))
        {
            _at++;
            SkipDigits();
        }
        if (_at < text.Length && (text[_at] == 'e' || text[_at] == 'E'))
        {
            var mark = _at++;
            if (_at < text.Length && (text[_at] == '+' || text[_at] == '-')) _at++;
            if (_at < text.Length && char.IsAsciiDigit(text[_at])) SkipDigits();
            else _at = mark; // "2e" is the number 2 followed by the name e: let the parser complain
        }
        if (_at - begin > limits.MaxLiteralLength)
        {
            throw RuleSqlException.At(text, begin, $"number longer than {limits.MaxLiteralLength} characters");
        }
        if (_at < text.Length && (char.IsAsciiLetter(text[_at]) || text[_at] == '_'))
        {
            throw RuleSqlException.At(text, _at, $"unexpected '{Printable(text[_at])}' right after the number {text[begin.._at]}");
        }
        return new Token(TokenKind.Number, begin, text[begin.._at]);
    }

    private void SkipDigits()
    {
        while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
    }

    /// <summary>A quoted run with JSON's backslash escapes, \' too, and a doubled quote for itself.</summary>
    private string ReadQuoted(char quote, string what)
    {
        var open = _at++;
        var value = new StringBuilder();
        while (true)
        {
            if (_at >= text.Length)
            {
                throw RuleSqlException.At(text, open, $"unterminated {what}: the {quote} here is never closed");
            }
            if (value.Length > limits.MaxLiteralLength)
            {
                throw RuleSqlException.At(text, open, $"{what} longer than {limits.MaxLiteralLength} characters");
            }
            var c = text[_at++];
            if (c == quote)
            {
                if (_at < text.Length && text[_at] == quote) { value.Append(quote); _at++; continue; }
                return value.ToString();
            }
            if (c != '\\') { value.Append(c); continue; }
            value.Append(ReadEscape(_at - 1));
        }
    }

    private char ReadEscape(int backslash)
    {
        if (_at >= text.Length) throw RuleSqlException.At(text, backslash, "a \\ at the end of the text escapes nothing");
        var c = text[_at++];
        switch (c)
        {
            case '\'': case '"': case '\\': case '/': return c;
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'b': return '\b';
            case 'f': return '\f';
            case 'u' when _at + 4 <= text.Length
                && ushort.TryParse(text.AsSpan(_at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                _at += 4;
                return (char)code;
            default:
                throw RuleSqlException.At(text, backslash, $"unknown escape '\\{Printable(c)}' (use \\' \\\\ \\n \\t \\r \\uXXXX)");
        }
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
