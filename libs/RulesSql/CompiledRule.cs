using System.Text.Json.Nodes;
using Pipeline.RulesSql.Compilation;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql;

/// <summary>A rule statement compiled once: match a topic, then evaluate messages with no text
/// interpretation left. Thread-safe: it holds no per-message state.</summary>
public sealed class CompiledRule
{
    private readonly SelectItemCompiled[] _select;
    private readonly Evaluator? _where;
    private readonly bool _selectStarOnly;

    internal CompiledRule(string sql, TopicFilter filter, SelectItemCompiled[] select, Evaluator? where)
    {
        Sql = sql;
        TopicFilter = filter;
        _select = select;
        _where = where;
        _selectStarOnly = select is [StarItemCompiled { IsWholeMessage: true }];
    }

    public string Sql { get; }
    public TopicFilter TopicFilter { get; }

    public bool Matches(string topic) => TopicFilter.Matches(topic);

    /// <summary>The SELECT's result, or null when the WHERE is anything but true (false, Undefined,
    /// or not a boolean; a string "true" counts as true, as for AND), which drops the message. Does not check the topic: call Matches first.</summary>
    public RuleResult? Evaluate(SqlObject message, RuleContext context)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var scope = new Scope(message, context);
        if (_where is not null && SqlConvert.ToLogical(_where(in scope)) is not { Kind: SqlValueKind.Boolean, AsBoolean: true }) return null;
        if (_selectStarOnly) return new RuleResult(message);
        var result = new SqlObjectBuilder();
        foreach (var item in _select) item.AddTo(result, in scope);
        return new RuleResult(result.Build());
    }

    public RuleResult? Evaluate(JsonObject message, RuleContext context) =>
        Evaluate(SqlJson.FromJsonObject(message), context);

    /// <summary>Reads the payload as a JSON object first; throws JsonException when it is not one.</summary>
    public RuleResult? Evaluate(ReadOnlySpan<byte> utf8Json, RuleContext context) =>
        Evaluate(SqlJson.ParseObject(utf8Json), context);
}
