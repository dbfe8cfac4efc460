namespace Pipeline.RulesSql.Syntax;

/// <summary>A token: its kind, where it starts in the text, and its text (names, numbers) or its
/// decoded value (string literals).</summary>
internal readonly record struct Token(TokenKind Kind, int Offset, string Text)
{
    public bool IsKeyword(string keyword) =>
        Kind == TokenKind.Identifier && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);
}
