namespace Pipeline.RulesSql.Values;

/// <summary>The types of AWS IoT SQL. Undefined is a value too: a missing field, or the result of
/// an operation on operands it cannot use.</summary>
public enum SqlValueKind : byte
{
    Undefined = 0,
    Null,
    Boolean,
    Int,
    Decimal,
    String,
    Array,
    Object,
}
