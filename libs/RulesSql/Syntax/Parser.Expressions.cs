namespace Pipeline.RulesSql.Syntax;

/// <summary>Operators, lowest precedence first: OR; AND; NOT; comparisons, IN, BETWEEN, IS;
/// + - ||; * / %; unary minus; .field and [index].</summary>
internal sealed partial class Parser
{
    private Expr Expression()
    {
        Enter();
        var value = Or();
        Leave();
        return value;
    }

    private Expr Or()
    {
        var left = And();
        while (_current.IsKeyword("OR"))
        {
            var op = _current.Offset;
            Advance();
            left = Checked(new BinaryExpr(left.Offset, BinaryOp.Or, left, And(), op));
        }
        return left;
    }

    private Expr And()
    {
        var left = Not();
        while (_current.IsKeyword("AND"))
        {
            var op = _current.Offset;
            Advance();
            left = Checked(new BinaryExpr(left.Offset, BinaryOp.And, left, Not(), op));
        }
        return left;
    }

    private Expr Not()
    {
        if (!_current.IsKeyword("NOT")) return Comparison();
        var start = _current.Offset;
        Advance();
        Enter();
        var operand = Not();
        Leave();
        return Checked(new UnaryExpr(start, UnaryOp.Not, operand));
    }

    private Expr Comparison()
    {
        var left = Additive();
        var op = _current.Offset;
        BinaryOp? comparison = _current.Kind switch
        {
            TokenKind.Equal => BinaryOp.Equal,
            TokenKind.NotEqual => BinaryOp.NotEqual,
            TokenKind.Less => BinaryOp.Less,
            TokenKind.LessOrEqual => BinaryOp.LessOrEqual,
            TokenKind.Greater => BinaryOp.Greater,
            TokenKind.GreaterOrEqual => BinaryOp.GreaterOrEqual,
            _ => null,
        };
        if (comparison is { } binary)
        {
            Advance();
            return Checked(new BinaryExpr(left.Offset, binary, left, Additive(), op));
        }
        if (TakeKeyword("IS"))
        {
            var negated = TakeKeyword("NOT");
            if (TakeKeyword("NULL")) return Checked(new IsExpr(left.Offset, left, IsTest.Null, negated));
            if (TakeKeyword("UNDEFINED")) return Checked(new IsExpr(left.Offset, left, IsTest.Undefined, negated));
            throw Error($"expected NULL or UNDEFINED after IS{(negated ? " NOT" : "")}, found {Describe(_current)}");
        }
        var not = _current.IsKeyword("NOT") && (Peek().IsKeyword("IN") || Peek().IsKeyword("BETWEEN"));
        if (not) Advance();
        if (TakeKeyword("IN")) return In(left, not);
        if (TakeKeyword("BETWEEN"))
        {
            var low = Additive();
            ExpectKeyword("AND", "AND between the two bounds of BETWEEN");
            return Checked(new BetweenExpr(left.Offset, left, low, Additive(), not));
        }
        return left;
    }

    private InExpr In(Expr value, bool negated)
    {
        if (_current.Kind != TokenKind.LeftParen)
        {
            return Checked(new InExpr(value.Offset, value, null, Additive(), negated));
        }
        Advance();
        var items = new List<Expr>();
        if (_current.Kind != TokenKind.RightParen)
        {
            do
            {
                if (items.Count == _limits.MaxItems) throw Error($"more than {_limits.MaxItems} items in the IN list");
                items.Add(Expression());
            }
            while (Take(TokenKind.Comma));
        }
        Expect(TokenKind.RightParen, "')' or ',' in the IN list");
        return Checked(new InExpr(value.Offset, value, items, null, negated));
    }

    private Expr Additive()
    {
        var left = Multiplicative();
        while (true)
        {
            BinaryOp? op = _current.Kind switch
            {
                TokenKind.Plus => BinaryOp.Add,
                TokenKind.Minus => BinaryOp.Subtract,
                TokenKind.Concat => BinaryOp.Concat,
                _ => null,
            };
            if (op is not { } binary) return left;
            var at = _current.Offset;
            Advance();
            left = Checked(new BinaryExpr(left.Offset, binary, left, Multiplicative(), at));
        }
    }

    private Expr Multiplicative()
    {
        var left = Unary();
        while (true)
        {
            BinaryOp? op = _current.Kind switch
            {
                TokenKind.Star => BinaryOp.Multiply,
                TokenKind.Slash => BinaryOp.Divide,
                TokenKind.Percent => BinaryOp.Modulo,
                _ => null,
            };
            if (op is not { } binary) return left;
            var at = _current.Offset;
            Advance();
            left = Checked(new BinaryExpr(left.Offset, binary, left, Unary(), at));
        }
    }

    private Expr Unary()
    {
        if (_current.Kind != TokenKind.Minus) return Postfix();
        var start = _current.Offset;
        Advance();
        Enter();
        var operand = Unary();
        Leave();
        return Checked(new UnaryExpr(start, UnaryOp.Negate, operand));
    }

    private Expr Postfix()
    {
        var value = Primary();
        while (true)
        {
            if (_current.Kind == TokenKind.Dot && Peek().Kind != TokenKind.Star)
            {
                Advance();
                value = Checked(new MemberExpr(value.Offset, value, Name("a field name after '.'")));
            }
            else if (Take(TokenKind.LeftBracket))
            {
                var index = Expression();
                Expect(TokenKind.RightBracket, "']' after the index");
                value = Checked(new IndexExpr(value.Offset, value, index));
            }
            else
            {
                return value;
            }
        }
    }
}
