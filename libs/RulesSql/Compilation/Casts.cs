using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Compilation;

/// <summary>cast(value AS type) with AWS's explicit conversions, which allow a little more than the
/// implicit ones: booleans become 1/0 and numbers become booleans.</summary>
internal static class Casts
{
    private static readonly Dictionary<string, SqlValueKind> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Int"] = SqlValueKind.Int,
        ["Decimal"] = SqlValueKind.Decimal,
        ["String"] = SqlValueKind.String,
        ["Boolean"] = SqlValueKind.Boolean,
        ["Bool"] = SqlValueKind.Boolean,
    };

    public static IEnumerable<string> TypeNames => Types.Keys;

    public static SqlValueKind? Find(string name) => Types.TryGetValue(name, out var kind) ? kind : null;

    public static SqlValue To(SqlValueKind target, SqlValue value) => target switch
    {
        SqlValueKind.Int => ToInt(value),
        SqlValueKind.Decimal => ToDecimal(value),
        SqlValueKind.String => SqlConvert.ToText(value),
        _ => ToBoolean(value),
    };

    /// <summary>A Decimal is rounded down (cast(-1.5 AS Int) = -2), as AWS documents.</summary>
    private static SqlValue ToInt(SqlValue value)
    {
        if (value.Kind == SqlValueKind.Boolean) return SqlValue.FromInt(value.AsBoolean ? 1 : 0);
        var number = SqlConvert.ToNumber(value);
        return number.Kind == SqlValueKind.Decimal ? SqlNumbers.WholeToInt(Math.Floor(number.AsDecimal)) : number;
    }

    private static SqlValue ToDecimal(SqlValue value)
    {
        if (value.Kind == SqlValueKind.Boolean) return SqlValue.FromDecimal(value.AsBoolean ? 1 : 0);
        var number = SqlConvert.ToNumber(value);
        return number.IsNumber ? SqlValue.FromDecimal(number.NumberAsDouble) : SqlValue.Undefined;
    }

    /// <summary>0 is false and any other number true; strings "true"/"false" in any case.</summary>
    private static SqlValue ToBoolean(SqlValue value) => value.Kind switch
    {
        SqlValueKind.Int => SqlValue.FromBoolean(value.AsInt != 0),
        SqlValueKind.Decimal => SqlValue.FromBoolean(value.AsDecimal != 0),
        _ => SqlConvert.ToLogical(value),
    };
}
