namespace Pipeline.RulesSql.Syntax;

/// <summary>Recursive-descent parser for AWS IoT SQL. Every recursion goes through Enter, and
/// every node's height is checked, so nesting is bounded before the stack is.</summary>
internal sealed partial class Parser
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "IN", "BETWEEN", "IS", "NULL", "UNDEFINED",
        "TRUE", "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END",
    };

    private readonly Lexer _lexer;
    private readonly RuleSqlLimits _limits;
    private Token _current;
    private Token? _peeked;
    private int _depth;

    private Parser(string text, int start, RuleSqlLimits limits)
    {
        _lexer = new Lexer(text, start, limits);
        _limits = limits;
        _current = _lexer.Next();
    }

    private string Text => _lexer.Text;

    public static Statement ParseStatement(string text, RuleSqlLimits limits)
    {
        CheckLength(text, limits);
        if (string.IsNullOrWhiteSpace(text)) throw new RuleSqlException(1, 1, "the statement is empty: expected SELECT ... FROM '<topic filter>'");
        return new Parser(text, 0, limits).Statement();
    }

    /// <summary>Parses the expression of a template's ${...} starting at start; returns it and
    /// the offset of its closing '}'.</summary>
    public static (Expr Value, int CloseOffset) ParseTemplateExpression(string text, int start, RuleSqlLimits limits)
    {
        var parser = new Parser(text, start, limits);
        var value = parser.Expression();
        if (parser._current.Kind != TokenKind.RightBrace)
        {
            throw parser.Error($"expected '}}' to close the '${{' substitution, found {Describe(parser._current)}");
        }
        return (value, parser._current.Offset);
    }

    public static void CheckLength(string text, RuleSqlLimits limits)
    {
        if (text.Length > limits.MaxStatementLength)
        {
            throw RuleSqlException.At(text, limits.MaxStatementLength,
                $"the text is {text.Length} characters long; the limit is {limits.MaxStatementLength}");
        }
    }

    private Statement Statement()
    {
        ExpectKeyword("SELECT", "a statement starts with SELECT");
        var select = SelectList();
        ExpectKeyword("FROM", "FROM after the SELECT list (or ',' before another item)");
        if (_current.Kind != TokenKind.String) throw Error($"expected the topic filter as a quoted string after FROM, as in FROM 'devices/+/telemetry', found {Describe(_current)}");
        var filterToken = _current;
        var problem = TopicFilter.Check(filterToken.Text, out var at);
        if (problem is not null) throw RuleSqlException.At(Text, filterToken.Offset + 1 + at, problem);
        var from = TopicFilter.Parse(filterToken.Text);
        Advance();
        Expr? where = null;
        if (TakeKeyword("WHERE")) where = Expression();
        if (_current.Kind != TokenKind.End) throw Error($"expected the end of the statement, found {Describe(_current)}");
        return new Statement(select, from, where);
    }

    private List<SelectItem> SelectList()
    {
        var items = new List<SelectItem>();
        do
        {
            if (items.Count == _limits.MaxItems) throw Error($"more than {_limits.MaxItems} items in the SELECT list");
            items.Add(SelectItem(items.Count));
        }
        while (Take(TokenKind.Comma));
        return items;
    }

    private SelectItem SelectItem(int index)
    {
        var start = _current.Offset;
        if (Take(TokenKind.Star)) return new StarItem(start, null);
        if (_current.IsKeyword("FROM")) throw Error("expected an expression or * in the SELECT list, found FROM");
        var value = Expression();
        if (_current.Kind == TokenKind.Dot && Peek().Kind == TokenKind.Star)
        {
            Advance();
            Advance();
            return new StarItem(start, value);
        }
        var name = TakeKeyword("AS") ? Name("a name after AS") : DerivedName(value, index);
        return new ExprItem(start, value, name);
    }

    /// <summary>AWS names an item without an alias after its last field or its function; other
    /// expressions get a positional name (_1 for the first item), documented in docs/rules-sql.md.</summary>
    private static string DerivedName(Expr value, int index) => value switch
    {
        FieldExpr field => field.Name,
        MemberExpr member => member.Name,
        CallExpr call => call.Name,
        CastExpr => "cast",
        _ => $"_{index + 1}",
    };

    private string Name(string what)
    {
        if (_current.Kind == TokenKind.QuotedIdentifier || (_current.Kind == TokenKind.Identifier && !Reserved.Contains(_current.Text)))
        {
            var name = _current.Text;
            Advance();
            return name;
        }
        throw Error($"expected {what}, found {Describe(_current)}");
    }

    private void Advance()
    {
        _current = _peeked ?? _lexer.Next();
        _peeked = null;
    }

    private Token Peek() => _peeked ??= _lexer.Next();

    private bool Take(TokenKind kind)
    {
        if (_current.Kind != kind) return false;
        Advance();
        return true;
    }

    private bool TakeKeyword(string keyword)
    {
        if (!_current.IsKeyword(keyword)) return false;
        Advance();
        return true;
    }

    private void Expect(TokenKind kind, string what)
    {
        if (!Take(kind)) throw Error($"expected {what}, found {Describe(_current)}");
    }

    private void ExpectKeyword(string keyword, string what)
    {
        if (!TakeKeyword(keyword)) throw Error($"expected {what}, found {Describe(_current)}");
    }

    private void Enter()
    {
        if (++_depth > _limits.MaxNestingDepth) throw Error($"the expression is nested deeper than {_limits.MaxNestingDepth} levels");
    }

    private void Leave() => _depth--;

    private T Checked<T>(T node) where T : Expr
    {
        if (node.Height > _limits.MaxNestingDepth)
        {
            throw RuleSqlException.At(Text, node.Offset, $"the expression is nested deeper than {_limits.MaxNestingDepth} levels");
        }
        return node;
    }

    private RuleSqlException Error(string reason) => RuleSqlException.At(Text, _current.Offset, reason);

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the text",
        TokenKind.String => $"the string '{Shorten(token.Text)}'",
        TokenKind.QuotedIdentifier => $"\"{Shorten(token.Text)}\"",
        _ => $"'{Shorten(token.Text)}'",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
