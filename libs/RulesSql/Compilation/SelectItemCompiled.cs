using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Compilation;

/// <summary>A compiled SELECT item: adds its field (or, for a star, all fields of an object) to
/// the result being built.</summary>
internal abstract class SelectItemCompiled
{
    public abstract void AddTo(SqlObjectBuilder result, in Scope scope);
}

internal sealed class NamedItem(string name, Evaluator value) : SelectItemCompiled
{
    public override void AddTo(SqlObjectBuilder result, in Scope scope) => result.Set(name, value(in scope));
}

/// <summary>`*` (every field of the message) or `a.b.*` (every field of that object; nothing when
/// it is not an object).</summary>
internal sealed class StarItemCompiled(Evaluator? of) : SelectItemCompiled
{
    public bool IsWholeMessage => of is null;

    public override void AddTo(SqlObjectBuilder result, in Scope scope)
    {
        var source = of is null ? SqlValue.FromObject(scope.Message) : of(in scope);
        if (source.Kind == SqlValueKind.Object) result.SetAll(source.AsObject);
    }
}
