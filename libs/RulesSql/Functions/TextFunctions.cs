using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Functions;

/// <summary>String functions. Numbers and booleans are used as their text (upper(1.5) = '1.5');
/// Null, arrays and objects give Undefined.</summary>
internal static class TextFunctions
{
    public static SqlValue Text(SqlValue value) => value.Kind switch
    {
        SqlValueKind.String => value,
        SqlValueKind.Int or SqlValueKind.Decimal or SqlValueKind.Boolean => SqlConvert.ToText(value),
        _ => SqlValue.Undefined,
    };

    public static SqlValue Lower(SqlValue value) => Map(value, s => s.ToLowerInvariant());
    public static SqlValue Upper(SqlValue value) => Map(value, s => s.ToUpperInvariant());
    public static SqlValue Trim(SqlValue value) => Map(value, s => s.Trim());

    private static SqlValue Map(SqlValue value, Func<string, string> map)
    {
        value = Text(value);
        return value.IsUndefined ? value : SqlValue.FromString(map(value.AsString));
    }

    /// <summary>Characters (UTF-16 code units) of a string, or items of an array.</summary>
    public static SqlValue Length(SqlValue value) => value.Kind switch
    {
        SqlValueKind.String => SqlValue.FromInt(value.AsString.Length),
        SqlValueKind.Array => SqlValue.FromInt(value.AsArray.Length),
        _ => SqlValue.Undefined,
    };

    public static SqlValue StartsWith(SqlValue value, SqlValue prefix) =>
        Test(value, prefix, (s, p) => s.StartsWith(p, StringComparison.Ordinal));

    public static SqlValue EndsWith(SqlValue value, SqlValue suffix) =>
        Test(value, suffix, (s, p) => s.EndsWith(p, StringComparison.Ordinal));

    private static SqlValue Test(SqlValue value, SqlValue other, Func<string, string, bool> test)
    {
        value = Text(value);
        other = Text(other);
        if (value.IsUndefined || other.IsUndefined) return SqlValue.Undefined;
        return SqlValue.FromBoolean(test(value.AsString, other.AsString));
    }

    /// <summary>AWS's substring(text, start[, end]): 0-based start, end exclusive, both clamped to
    /// the string; Decimal positions are rounded down; an end before the start gives ''.</summary>
    public static SqlValue Substring(SqlValue[] args)
    {
        var value = Text(args[0]);
        var start = Position(args[1]);
        if (value.IsUndefined || start is null) return SqlValue.Undefined;
        var text = value.AsString;
        long end = text.Length;
        if (args.Length > 2)
        {
            if (Position(args[2]) is not { } given) return SqlValue.Undefined;
            end = given;
        }
        var from = (int)Math.Clamp(start.Value, 0, text.Length);
        var to = (int)Math.Clamp(end, 0, text.Length);
        return SqlValue.FromString(to <= from ? "" : text[from..to]);
    }

    private static long? Position(SqlValue value)
    {
        value = SqlConvert.ToNumber(value);
        return value.Kind switch
        {
            SqlValueKind.Int => value.AsInt,
            SqlValueKind.Decimal => (long)Math.Clamp(Math.Floor(value.AsDecimal), int.MinValue, int.MaxValue),
            _ => null,
        };
    }
}
