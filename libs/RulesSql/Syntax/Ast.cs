using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Syntax;

/// <summary>An expression node. Offset is where it starts in the text (for error positions);
/// Height is the depth of the tree below it, checked against the nesting limit so that the
/// compiler's and the evaluator's recursion stay bounded.</summary>
internal abstract record Expr(int Offset)
{
    public abstract int Height { get; }
    protected static int Of(params Expr?[] children) => 1 + children.Max(c => c?.Height ?? 0);
}

internal sealed record LiteralExpr(int Offset, SqlValue Value) : Expr(Offset)
{
    public override int Height => 1;
}

/// <summary>A top-level field of the message.</summary>
internal sealed record FieldExpr(int Offset, string Name) : Expr(Offset)
{
    public override int Height => 1;
}

/// <summary>target.name</summary>
internal sealed record MemberExpr(int Offset, Expr Target, string Name) : Expr(Offset)
{
    public override int Height { get; } = Of(Target);
}

/// <summary>target[index]: an array item (0-based), or an object field by a string.</summary>
internal sealed record IndexExpr(int Offset, Expr Target, Expr Index) : Expr(Offset)
{
    public override int Height { get; } = Of(Target, Index);
}

internal enum UnaryOp { Negate, Not }

internal sealed record UnaryExpr(int Offset, UnaryOp Op, Expr Operand) : Expr(Offset)
{
    public override int Height { get; } = Of(Operand);
}

internal enum BinaryOp { Add, Subtract, Multiply, Divide, Modulo, Concat, Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, And, Or }

internal sealed record BinaryExpr(int Offset, BinaryOp Op, Expr Left, Expr Right, int OperatorOffset) : Expr(Offset)
{
    public override int Height { get; } = Of(Left, Right);
}

/// <summary>value [NOT] IN (a, b, ...), or value [NOT] IN array-expression.</summary>
internal sealed record InExpr(int Offset, Expr Value, IReadOnlyList<Expr>? Items, Expr? Array, bool Negated) : Expr(Offset)
{
    public override int Height { get; } = 1 + Math.Max(Value.Height, Math.Max(Array?.Height ?? 0, Items is null || Items.Count == 0 ? 0 : Items.Max(i => i.Height)));
}

internal sealed record BetweenExpr(int Offset, Expr Value, Expr Low, Expr High, bool Negated) : Expr(Offset)
{
    public override int Height { get; } = Of(Value, Low, High);
}

internal enum IsTest { Null, Undefined }

internal sealed record IsExpr(int Offset, Expr Value, IsTest Test, bool Negated) : Expr(Offset)
{
    public override int Height { get; } = Of(Value);
}

internal sealed record CallExpr(int Offset, string Name, IReadOnlyList<Expr> Arguments, int CloseOffset) : Expr(Offset)
{
    public override int Height { get; } = 1 + (Arguments.Count == 0 ? 0 : Arguments.Max(a => a.Height));
}

internal sealed record CastExpr(int Offset, Expr Value, string TypeName, int TypeOffset) : Expr(Offset)
{
    public override int Height { get; } = Of(Value);
}

internal sealed record WhenClause(Expr When, Expr Then);

/// <summary>CASE [operand] WHEN .. THEN .. [ELSE ..] END: with an operand, WHEN holds values to
/// compare it with; without, WHEN holds conditions.</summary>
internal sealed record CaseExpr(int Offset, Expr? Operand, IReadOnlyList<WhenClause> Whens, Expr? Else) : Expr(Offset)
{
    public override int Height { get; } = 1 + Whens.Select(w => Math.Max(w.When.Height, w.Then.Height))
        .Append(Operand?.Height ?? 0).Append(Else?.Height ?? 0).Max();
}

internal sealed record ObjectExpr(int Offset, IReadOnlyList<KeyValuePair<string, Expr>> Fields) : Expr(Offset)
{
    public override int Height { get; } = 1 + (Fields.Count == 0 ? 0 : Fields.Max(f => f.Value.Height));
}

internal sealed record ArrayExpr(int Offset, IReadOnlyList<Expr> Items) : Expr(Offset)
{
    public override int Height { get; } = 1 + (Items.Count == 0 ? 0 : Items.Max(i => i.Height));
}
