namespace Pipeline.RulesSql.Syntax;

/// <summary>One item of the SELECT list.</summary>
internal abstract record SelectItem(int Offset);

/// <summary>`*`: every field of the message; `a.b.*`: every field of that object.</summary>
internal sealed record StarItem(int Offset, Expr? Of) : SelectItem(Offset);

/// <summary>An expression; Name is its alias or the name derived from it.</summary>
internal sealed record ExprItem(int Offset, Expr Value, string Name) : SelectItem(Offset);

internal sealed record Statement(IReadOnlyList<SelectItem> Select, TopicFilter From, Expr? Where);
