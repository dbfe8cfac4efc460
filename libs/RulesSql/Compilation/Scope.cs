using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Compilation;

/// <summary>What a compiled expression reads: the message, its context, and for templates the
/// rule's result, whose fields are looked up before the message's (see Template).</summary>
internal readonly struct Scope(SqlObject message, RuleContext context, SqlObject? result = null)
{
    public SqlObject Message { get; } = message;
    public RuleContext Context { get; } = context;
    public SqlObject? Result { get; } = result;

    public SqlValue Field(string name)
    {
        if (Result is null) return Message.Get(name);
        var value = Result.Get(name);
        return value.IsUndefined ? Message.Get(name) : value;
    }
}

/// <summary>A compiled expression. `in` keeps the scope on the caller's stack without copying.</summary>
internal delegate SqlValue Evaluator(in Scope scope);
