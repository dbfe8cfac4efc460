using Pipeline.RulesSql.Compilation;
using Pipeline.RulesSql.Syntax;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql.Functions;

/// <summary>abs, round, floor, ceil, sqrt, power, mod: numeric strings are converted (AWS:
/// abs('-5.1') is abs(-5.1)); anything else gives Undefined.</summary>
internal static class MathFunctions
{
    public static SqlValue Abs(SqlValue value)
    {
        value = SqlConvert.ToNumber(value);
        return value.Kind switch
        {
            SqlValueKind.Int => value.AsInt == long.MinValue ? SqlValue.FromDecimal(-(double)value.AsInt) : SqlValue.FromInt(Math.Abs(value.AsInt)),
            SqlValueKind.Decimal => SqlValue.FromDecimal(Math.Abs(value.AsDecimal)),
            _ => SqlValue.Undefined,
        };
    }

    /// <summary>round, floor and ceil give an Int (a Decimal only beyond 64 bits); round takes
    /// halves away from zero: round(2.5) = 3, round(-2.5) = -3.</summary>
    public static SqlValue Round(SqlValue value) => Whole(value, d => Math.Round(d, MidpointRounding.AwayFromZero));
    public static SqlValue Floor(SqlValue value) => Whole(value, Math.Floor);
    public static SqlValue Ceil(SqlValue value) => Whole(value, Math.Ceiling);

    private static SqlValue Whole(SqlValue value, Func<double, double> toWhole)
    {
        value = SqlConvert.ToNumber(value);
        return value.Kind switch
        {
            SqlValueKind.Int => value,
            SqlValueKind.Decimal => SqlNumbers.WholeToInt(toWhole(value.AsDecimal)),
            _ => SqlValue.Undefined,
        };
    }

    /// <summary>A Decimal; the square root of a negative number is Undefined.</summary>
    public static SqlValue Sqrt(SqlValue value)
    {
        value = SqlConvert.ToNumber(value);
        return value.IsNumber ? SqlValue.FromDecimal(Math.Sqrt(value.NumberAsDouble)) : SqlValue.Undefined;
    }

    public static SqlValue Power(SqlValue x, SqlValue y)
    {
        x = SqlConvert.ToNumber(x);
        y = SqlConvert.ToNumber(y);
        if (!x.IsNumber || !y.IsNumber) return SqlValue.Undefined;
        return SqlValue.FromDecimal(Math.Pow(x.NumberAsDouble, y.NumberAsDouble));
    }

    /// <summary>The remainder, like the % operator: its sign follows the dividend; mod(x, 0) is Undefined.</summary>
    public static SqlValue Mod(SqlValue x, SqlValue y) => Operators.Arithmetic(BinaryOp.Modulo, x, y);
}
