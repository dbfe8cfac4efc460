using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Functions;

/// <summary>coalesce, isNull, isUndefined, and the context functions.</summary>
internal static class ValueFunctions
{
    /// <summary>The first argument that is neither Null nor Undefined; if there is none, Null when
    /// some argument was Null, else Undefined.</summary>
    public static SqlValue Coalesce(SqlValue[] args)
    {
        var sawNull = false;
        foreach (var arg in args)
        {
            if (arg.Kind == SqlValueKind.Null) sawNull = true;
            else if (!arg.IsUndefined) return arg;
        }
        return sawNull ? SqlValue.Null : SqlValue.Undefined;
    }

    public static SqlValue IsNull(SqlValue value) => SqlValue.FromBoolean(value.Kind == SqlValueKind.Null);
    public static SqlValue IsUndefined(SqlValue value) => SqlValue.FromBoolean(value.IsUndefined);

    /// <summary>topic(n): the n-th level (1-based) of the topic; Undefined past the last level.</summary>
    public static SqlValue TopicLevel(RuleContext context, SqlValue level)
    {
        level = SqlConvert.ToNumber(level);
        if (level.Kind != SqlValueKind.Int) return SqlValue.Undefined;
        var levels = context.TopicLevels;
        return level.AsInt >= 1 && level.AsInt <= levels.Length ? SqlValue.FromString(levels[level.AsInt - 1]) : SqlValue.Undefined;
    }

    public static SqlValue Attribute(RuleContext context, SqlValue name)
    {
        name = TextFunctions.Text(name);
        if (name.IsUndefined) return name;
        return context.Attributes.TryGetValue(name.AsString, out var value) ? SqlValue.FromString(value) : SqlValue.Undefined;
    }

    public static SqlValue ClientId(RuleContext context) =>
        context.ClientId is { } id ? SqlValue.FromString(id) : SqlValue.Undefined;
}
