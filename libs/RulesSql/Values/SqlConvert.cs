namespace Pipeline.RulesSql.Values;

/// <summary>AWS IoT SQL's implicit conversions, applied when an operator or a function is given
/// another type than it expects. Each returns Undefined where AWS does.</summary>
public static class SqlConvert
{
    /// <summary>To a number: Int and Decimal as they are, a String that reads as a number;
    /// Boolean, Null, Array, Object: Undefined (no attempt, as in AWS).</summary>
    public static SqlValue ToNumber(SqlValue value) => value.Kind switch
    {
        SqlValueKind.Int or SqlValueKind.Decimal => value,
        SqlValueKind.String => SqlNumbers.TryParse(value.AsString, out var number) ? number : SqlValue.Undefined,
        _ => SqlValue.Undefined,
    };

    /// <summary>To a Boolean for AND, OR, NOT: Boolean, or a string "true"/"false" in any case.</summary>
    public static SqlValue ToLogical(SqlValue value)
    {
        if (value.Kind == SqlValueKind.Boolean) return value;
        if (value.Kind != SqlValueKind.String) return SqlValue.Undefined;
        var text = value.AsString;
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) return SqlValue.True;
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) return SqlValue.False;
        return SqlValue.Undefined;
    }

    /// <summary>To a String: numbers and booleans print, arrays and objects as JSON text; Null and
    /// Undefined stay Undefined.</summary>
    public static SqlValue ToText(SqlValue value) => value.Kind switch
    {
        SqlValueKind.String => value,
        SqlValueKind.Int or SqlValueKind.Decimal => SqlValue.FromString(SqlNumbers.Format(value)),
        SqlValueKind.Boolean => SqlValue.FromString(value.AsBoolean ? "true" : "false"),
        SqlValueKind.Array or SqlValueKind.Object => SqlValue.FromString(SqlJson.ToJsonString(value)),
        _ => SqlValue.Undefined,
    };
}
