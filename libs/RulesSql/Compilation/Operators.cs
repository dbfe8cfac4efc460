using Pipeline.RulesSql.Syntax;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Compilation;

/// <summary>The semantics of the operators over SqlValue, AWS IoT SQL's where it is documented
/// (see docs/rules-sql.md for the few places we differ).</summary>
internal static class Operators
{
    public static SqlValue Arithmetic(BinaryOp op, SqlValue left, SqlValue right)
    {
        if (left.Kind == SqlValueKind.Int && right.Kind == SqlValueKind.Int) return IntArithmetic(op, left.AsInt, right.AsInt);
        left = SqlConvert.ToNumber(left);
        right = SqlConvert.ToNumber(right);
        if (left.IsUndefined || right.IsUndefined) return SqlValue.Undefined;
        if (left.Kind == SqlValueKind.Int && right.Kind == SqlValueKind.Int) return IntArithmetic(op, left.AsInt, right.AsInt);
        return DecimalArithmetic(op, left.NumberAsDouble, right.NumberAsDouble);
    }

    /// <summary>Int stays Int while exact: a sum or product past 64 bits becomes Decimal, and a
    /// division that does not come out whole gives the Decimal quotient (AWS divides Ints as Ints;
    /// see the differences table for why we do not).</summary>
    private static SqlValue IntArithmetic(BinaryOp op, long left, long right)
    {
        switch (op)
        {
            case BinaryOp.Add:
                var sum = left + right;
                return ((left ^ sum) & (right ^ sum)) < 0 ? SqlValue.FromDecimal((double)left + right) : SqlValue.FromInt(sum);
            case BinaryOp.Subtract:
                var difference = left - right;
                return ((left ^ right) & (left ^ difference)) < 0 ? SqlValue.FromDecimal((double)left - right) : SqlValue.FromInt(difference);
            case BinaryOp.Multiply:
                var product = Math.BigMul(left, right, out var low);
                return (product == 0 && low >= 0) || (product == -1 && low < 0) ? SqlValue.FromInt(low) : SqlValue.FromDecimal((double)left * right);
            case BinaryOp.Divide:
                if (right == 0) return SqlValue.Undefined;
                if (right == -1) return left == long.MinValue ? SqlValue.FromDecimal(-(double)left) : SqlValue.FromInt(-left);
                return left % right == 0 ? SqlValue.FromInt(left / right) : SqlValue.FromDecimal((double)left / right);
            case BinaryOp.Modulo:
                if (right == 0) return SqlValue.Undefined;
                return right == -1 ? SqlValue.FromInt(0) : SqlValue.FromInt(left % right);
            default:
                return SqlValue.Undefined;
        }
    }

    private static SqlValue DecimalArithmetic(BinaryOp op, double left, double right) => op switch
    {
        BinaryOp.Add => SqlValue.FromDecimal(left + right),
        BinaryOp.Subtract => SqlValue.FromDecimal(left - right),
        BinaryOp.Multiply => SqlValue.FromDecimal(left * right),
        BinaryOp.Divide => right == 0 ? SqlValue.Undefined : SqlValue.FromDecimal(left / right),
        BinaryOp.Modulo => right == 0 ? SqlValue.Undefined : SqlValue.FromDecimal(left % right),
        _ => SqlValue.Undefined,
    };

    public static SqlValue Negate(SqlValue value)
    {
        value = SqlConvert.ToNumber(value);
        return value.Kind switch
        {
            SqlValueKind.Int => value.AsInt == long.MinValue ? SqlValue.FromDecimal(-(double)value.AsInt) : SqlValue.FromInt(-value.AsInt),
            SqlValueKind.Decimal => SqlValue.FromDecimal(-value.AsDecimal),
            _ => SqlValue.Undefined,
        };
    }

    public static SqlValue Compare(BinaryOp op, SqlValue left, SqlValue right)
    {
        if (op is BinaryOp.Equal) return SqlEquality.Equal(left, right);
        if (op is BinaryOp.NotEqual)
        {
            var equal = SqlEquality.Equal(left, right);
            return equal.IsUndefined ? equal : SqlValue.FromBoolean(!equal.AsBoolean);
        }
        if (SqlEquality.Order(left, right) is not { } order) return SqlValue.Undefined;
        return SqlValue.FromBoolean(op switch
        {
            BinaryOp.Less => order < 0,
            BinaryOp.LessOrEqual => order <= 0,
            BinaryOp.Greater => order > 0,
            _ => order >= 0,
        });
    }

    public static SqlValue Not(SqlValue value)
    {
        value = SqlConvert.ToLogical(value);
        return value.IsUndefined ? value : SqlValue.FromBoolean(!value.AsBoolean);
    }

    /// <summary>concat() and ||: arrays are joined (a non-array item is appended to them), other
    /// values are joined as text. Any Undefined or Null argument makes the result Undefined.</summary>
    public static SqlValue Concat(ReadOnlySpan<SqlValue> parts)
    {
        var anyArray = false;
        foreach (var part in parts)
        {
            if (part.Kind is SqlValueKind.Undefined or SqlValueKind.Null) return SqlValue.Undefined;
            anyArray |= part.Kind == SqlValueKind.Array;
        }
        if (anyArray)
        {
            var items = new List<SqlValue>();
            foreach (var part in parts)
            {
                if (part.Kind == SqlValueKind.Array) items.AddRange(part.AsArray);
                else items.Add(part);
            }
            return SqlValue.FromArray([.. items]);
        }
        var text = new System.Text.StringBuilder();
        foreach (var part in parts) text.Append(SqlConvert.ToText(part).AsString);
        return SqlValue.FromString(text.ToString());
    }
}
