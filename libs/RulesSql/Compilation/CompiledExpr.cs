using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Compilation;

/// <summary>An expression compiled to a delegate; when it does not depend on the message or the
/// context, its value is known at compile time (Constant), which is both folded away and used
/// for the static type checks.</summary>
internal sealed record CompiledExpr(Evaluator Eval, SqlValue? Constant)
{
    public static CompiledExpr Of(SqlValue value) => new((in Scope _) => value, value);
    public bool IsConstant => Constant is not null;
}
