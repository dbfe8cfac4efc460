using System.Globalization;

namespace Pipeline.RulesSql.Values;

/// <summary>One immutable SQL value. A struct of a kind, 64 bits (Int, Decimal as double bits,
/// Boolean) and one reference (string, array, object), so evaluating a rule allocates only for
/// new strings, arrays and objects. default(SqlValue) is Undefined.</summary>
public readonly struct SqlValue : IEquatable<SqlValue>
{
    private readonly long _bits;
    private readonly object? _ref;

    private SqlValue(SqlValueKind kind, long bits, object? reference)
    {
        Kind = kind;
        _bits = bits;
        _ref = reference;
    }

    public SqlValueKind Kind { get; }

    public static readonly SqlValue Undefined;
    public static readonly SqlValue Null = new(SqlValueKind.Null, 0, null);
    public static readonly SqlValue True = new(SqlValueKind.Boolean, 1, null);
    public static readonly SqlValue False = new(SqlValueKind.Boolean, 0, null);

    public static SqlValue FromInt(long value) => new(SqlValueKind.Int, value, null);

    /// <summary>A non-finite result (0/0, sqrt(-1), overflow) has no JSON form: it is Undefined,
    /// as AWS returns Undefined for imaginary and impossible results.</summary>
    public static SqlValue FromDecimal(double value) =>
        double.IsFinite(value) ? new(SqlValueKind.Decimal, BitConverter.DoubleToInt64Bits(value), null) : Undefined;

    public static SqlValue FromBoolean(bool value) => value ? True : False;
    public static SqlValue FromString(string value) => new(SqlValueKind.String, 0, value);
    public static SqlValue FromArray(SqlValue[] items) => new(SqlValueKind.Array, 0, items);
    public static SqlValue FromObject(SqlObject value) => new(SqlValueKind.Object, 0, value);

    public bool IsUndefined => Kind == SqlValueKind.Undefined;
    public bool IsNumber => Kind is SqlValueKind.Int or SqlValueKind.Decimal;

    public long AsInt => _bits;
    public double AsDecimal => BitConverter.Int64BitsToDouble(_bits);
    public bool AsBoolean => _bits != 0;
    public string AsString => (string)_ref!;
    public SqlValue[] AsArray => (SqlValue[])_ref!;
    public SqlObject AsObject => (SqlObject)_ref!;

    /// <summary>The number as a double (Int widened); only for Int and Decimal.</summary>
    public double NumberAsDouble => Kind == SqlValueKind.Int ? _bits : AsDecimal;

    public bool Equals(SqlValue other) => SqlEquality.AreEqual(this, other);
    public override bool Equals(object? obj) => obj is SqlValue other && Equals(other);
    // Consistent with the deep, numeric-by-value Equals: 1 and 1.0 hash alike; containers hash
    // by kind and size only (they are rarely keys).
    public override int GetHashCode() => Kind switch
    {
        SqlValueKind.Int or SqlValueKind.Decimal => NumberAsDouble.GetHashCode(),
        SqlValueKind.String => AsString.GetHashCode(StringComparison.Ordinal),
        SqlValueKind.Boolean => AsBoolean.GetHashCode(),
        SqlValueKind.Array => HashCode.Combine(Kind, AsArray.Length),
        SqlValueKind.Object => HashCode.Combine(Kind, AsObject.Count),
        _ => (int)Kind,
    };

    /// <summary>The JSON text of the value (Undefined prints as "undefined"): for tests and messages.</summary>
    public override string ToString() => Kind switch
    {
        SqlValueKind.Undefined => "undefined",
        SqlValueKind.Int => AsInt.ToString(CultureInfo.InvariantCulture),
        _ => SqlJson.ToJsonString(this),
    };

    /// <summary>The same comparison as <see cref="Equals(SqlValue)"/>.</summary>
    public static bool operator ==(SqlValue left, SqlValue right) => left.Equals(right);

    public static bool operator !=(SqlValue left, SqlValue right) => !left.Equals(right);
}
