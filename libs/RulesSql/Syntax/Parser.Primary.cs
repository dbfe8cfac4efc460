using System.Globalization;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Syntax;

/// <summary>Literals, names, calls, CAST, CASE, parentheses, object and array construction.</summary>
internal sealed partial class Parser
{
    private Expr Primary()
    {
        var token = _current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new LiteralExpr(token.Offset, NumberLiteral(token));
            case TokenKind.String:
                Advance();
                return new LiteralExpr(token.Offset, SqlValue.FromString(token.Text));
            case TokenKind.QuotedIdentifier:
                Advance();
                return new FieldExpr(token.Offset, token.Text);
            case TokenKind.LeftParen:
                Advance();
                var inner = Expression();
                Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.LeftBrace:
                return ObjectLiteral();
            case TokenKind.LeftBracket:
                return ArrayLiteral();
            case TokenKind.Identifier:
                return NamePrimary(token);
            default:
                throw Error($"expected an expression, found {Describe(token)}");
        }
    }

    private Expr NamePrimary(Token token)
    {
        if (token.IsKeyword("TRUE")) { Advance(); return new LiteralExpr(token.Offset, SqlValue.True); }
        if (token.IsKeyword("FALSE")) { Advance(); return new LiteralExpr(token.Offset, SqlValue.False); }
        if (token.IsKeyword("NULL")) { Advance(); return new LiteralExpr(token.Offset, SqlValue.Null); }
        if (token.IsKeyword("CASE")) return Case();
        if (Reserved.Contains(token.Text))
        {
            throw Error($"expected an expression, found the keyword {token.Text.ToUpperInvariant()} (quote a field with this name: \"{token.Text}\")");
        }
        Advance();
        if (_current.Kind != TokenKind.LeftParen) return new FieldExpr(token.Offset, token.Text);
        Advance();
        return token.Text.Equals("cast", StringComparison.OrdinalIgnoreCase) ? Cast(token) : Call(token);
    }

    private CallExpr Call(Token name)
    {
        var arguments = new List<Expr>();
        if (_current.Kind != TokenKind.RightParen)
        {
            do
            {
                if (arguments.Count == _limits.MaxItems) throw Error($"more than {_limits.MaxItems} arguments");
                arguments.Add(Expression());
            }
            while (Take(TokenKind.Comma));
        }
        var close = _current.Offset;
        Expect(TokenKind.RightParen, $"')' or ',' in the arguments of {name.Text}");
        return Checked(new CallExpr(name.Offset, name.Text, arguments, close));
    }

    private CastExpr Cast(Token name)
    {
        var value = Expression();
        ExpectKeyword("AS", "AS and a type in cast(value AS type)");
        var typeOffset = _current.Offset;
        if (_current.Kind != TokenKind.Identifier) throw Error($"expected a type name (Int, Decimal, String, Boolean), found {Describe(_current)}");
        var type = _current.Text;
        Advance();
        Expect(TokenKind.RightParen, "')' after the type in cast(value AS type)");
        return Checked(new CastExpr(name.Offset, value, type, typeOffset));
    }

    private CaseExpr Case()
    {
        var start = _current.Offset;
        Advance();
        if (_current.IsKeyword("END") || _current.IsKeyword("ELSE")) throw Error($"expected WHEN after CASE, found {Describe(_current)}");
        var operand = _current.IsKeyword("WHEN") ? null : Expression();
        var whens = new List<WhenClause>();
        while (TakeKeyword("WHEN"))
        {
            if (whens.Count == _limits.MaxItems) throw Error($"more than {_limits.MaxItems} WHEN clauses");
            var when = Expression();
            ExpectKeyword("THEN", "THEN after the WHEN condition");
            whens.Add(new WhenClause(when, Expression()));
        }
        if (whens.Count == 0) throw Error($"expected WHEN after CASE, found {Describe(_current)}");
        var otherwise = TakeKeyword("ELSE") ? Expression() : null;
        ExpectKeyword("END", "END to close the CASE (or another WHEN, or ELSE)");
        return Checked(new CaseExpr(start, operand, whens, otherwise));
    }

    private ObjectExpr ObjectLiteral()
    {
        var start = _current.Offset;
        Advance();
        var fields = new List<KeyValuePair<string, Expr>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (_current.Kind != TokenKind.RightBrace)
        {
            do
            {
                if (fields.Count == _limits.MaxItems) throw Error($"more than {_limits.MaxItems} fields in the object");
                var keyToken = _current;
                if (keyToken.Kind is not (TokenKind.String or TokenKind.Identifier or TokenKind.QuotedIdentifier))
                {
                    throw Error($"expected a field name such as 'name' in the object, found {Describe(keyToken)}");
                }
                if (!names.Add(keyToken.Text)) throw Error($"the field '{keyToken.Text}' appears twice in the object");
                Advance();
                Expect(TokenKind.Colon, $"':' after the field name '{keyToken.Text}'");
                fields.Add(new(keyToken.Text, Expression()));
            }
            while (Take(TokenKind.Comma));
        }
        Expect(TokenKind.RightBrace, "'}' or ',' in the object");
        return Checked(new ObjectExpr(start, fields));
    }

    private ArrayExpr ArrayLiteral()
    {
        var start = _current.Offset;
        Advance();
        var items = new List<Expr>();
        if (_current.Kind != TokenKind.RightBracket)
        {
            do
            {
                if (items.Count == _limits.MaxItems) throw Error($"more than {_limits.MaxItems} items in the array");
                items.Add(Expression());
            }
            while (Take(TokenKind.Comma));
        }
        Expect(TokenKind.RightBracket, "']' or ',' in the array");
        return Checked(new ArrayExpr(start, items));
    }

    private SqlValue NumberLiteral(Token token)
    {
        if (long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var whole)) return SqlValue.FromInt(whole);
        var real = double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(real)) throw RuleSqlException.At(Text, token.Offset, $"the number {Shorten(token.Text)} is too large");
        return SqlNumbers.Normalize(real);
    }
}
