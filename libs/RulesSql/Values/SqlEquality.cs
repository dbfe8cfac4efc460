namespace Pipeline.RulesSql.Values;

/// <summary>Comparison of two values, as the SQL operators see them.</summary>
public static class SqlEquality
{
    /// <summary>Deep equality. Int and Decimal compare by numeric value (1 = 1.0); object field
    /// order does not matter.</summary>
    public static bool AreEqual(SqlValue left, SqlValue right)
    {
        if (left.IsNumber && right.IsNumber)
        {
            return left.Kind == SqlValueKind.Int && right.Kind == SqlValueKind.Int
                ? left.AsInt == right.AsInt
                : left.NumberAsDouble == right.NumberAsDouble;
        }
        if (left.Kind != right.Kind) return false;
        return left.Kind switch
        {
            SqlValueKind.Undefined or SqlValueKind.Null => true,
            SqlValueKind.Boolean => left.AsBoolean == right.AsBoolean,
            SqlValueKind.String => string.Equals(left.AsString, right.AsString, StringComparison.Ordinal),
            SqlValueKind.Array => left.AsArray.AsSpan().SequenceEqual(right.AsArray),
            SqlValueKind.Object => ObjectsEqual(left.AsObject, right.AsObject),
            _ => false,
        };
    }

    private static bool ObjectsEqual(SqlObject left, SqlObject right)
    {
        if (left.Count != right.Count) return false;
        for (var i = 0; i < left.Count; i++)
        {
            if (!AreEqual(left.ValueAt(i), right.Get(left.NameAt(i)))) return false;
        }
        return true;
    }

    /// <summary>The `=` operator: Undefined when either side is Undefined or the two types cannot be
    /// compared (a number with a string that is not a number, a string with a boolean, ...).
    /// A numeric string compares with a number by value, as AWS converts it.</summary>
    public static SqlValue Equal(SqlValue left, SqlValue right)
    {
        if (left.IsUndefined || right.IsUndefined) return SqlValue.Undefined;
        if (left.IsNumber != right.IsNumber)
        {
            var number = SqlConvert.ToNumber(left.IsNumber ? right : left);
            if (number.IsUndefined) return SqlValue.Undefined;
            return SqlValue.FromBoolean(AreEqual(left.IsNumber ? left : number, left.IsNumber ? number : right));
        }
        if (!left.IsNumber && left.Kind != right.Kind) return SqlValue.Undefined;
        return SqlValue.FromBoolean(AreEqual(left, right));
    }

    /// <summary>Ordering for &lt; &lt;= &gt; &gt;=: both sides as numbers when both convert (AWS
    /// converts both to Decimal); two strings that are not both numbers compare by ordinal text
    /// (an extension: AWS gives Undefined); anything else is Undefined (null is returned).</summary>
    public static int? Order(SqlValue left, SqlValue right)
    {
        if (left.Kind == SqlValueKind.Int && right.Kind == SqlValueKind.Int) return left.AsInt.CompareTo(right.AsInt);
        var leftNumber = SqlConvert.ToNumber(left);
        var rightNumber = SqlConvert.ToNumber(right);
        if (!leftNumber.IsUndefined && !rightNumber.IsUndefined)
        {
            return leftNumber.Kind == SqlValueKind.Int && rightNumber.Kind == SqlValueKind.Int
                ? leftNumber.AsInt.CompareTo(rightNumber.AsInt)
                : leftNumber.NumberAsDouble.CompareTo(rightNumber.NumberAsDouble);
        }
        if (left.Kind == SqlValueKind.String && right.Kind == SqlValueKind.String)
        {
            return Math.Sign(string.CompareOrdinal(left.AsString, right.AsString));
        }
        return null;
    }
}
