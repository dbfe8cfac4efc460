namespace Pipeline.RulesSql.Syntax;

internal enum TokenKind
{
    End,
    Identifier,       // a name, or a keyword (keywords are recognised by the parser, case-insensitively)
    QuotedIdentifier, // "a name with-dashes"
    Number,
    String,           // 'text'
    LeftParen, RightParen, LeftBracket, RightBracket, LeftBrace, RightBrace,
    Comma, Dot, Colon, Star, Plus, Minus, Slash, Percent, Concat,
    Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual,
}
