using System.Globalization;

namespace Pipeline.RulesSql.Values;

/// <summary>Number rules shared by JSON input, literals and functions.</summary>
internal static class SqlNumbers
{
    // 2^63 as a double: doubles at or above it do not fit a long.
    private const double LongLimit = 9223372036854775808.0;

    /// <summary>SQL 2016-03-23 processes a whole number such as 10.0 as the Int 10 (AWS documents
    /// this); a fraction, or a whole number beyond 64 bits, stays Decimal.</summary>
    public static SqlValue Normalize(double value) =>
        Math.Floor(value) == value && value >= -LongLimit && value < LongLimit
            ? SqlValue.FromInt((long)value)
            : SqlValue.FromDecimal(value);

    /// <summary>A whole double as Int when it fits, else Decimal (round, floor, ceil, cast).</summary>
    public static SqlValue WholeToInt(double whole) => Normalize(whole);

    public static bool TryParse(string text, out SqlValue number)
    {
        var trimmed = text.AsSpan().Trim();
        if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            number = SqlValue.FromInt(whole);
            return true;
        }
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            number = SqlValue.FromDecimal(real);
            return true;
        }
        number = SqlValue.Undefined;
        return false;
    }

    public static string Format(SqlValue number) => number.Kind == SqlValueKind.Int
        ? number.AsInt.ToString(CultureInfo.InvariantCulture)
        : number.AsDecimal.ToString("R", CultureInfo.InvariantCulture);
}
