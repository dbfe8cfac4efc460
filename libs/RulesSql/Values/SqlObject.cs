namespace Pipeline.RulesSql.Values;

/// <summary>An immutable JSON object that keeps its field order. Device messages have a handful
/// of fields, where a linear scan beats hashing; a larger object gets an index once.</summary>
public sealed class SqlObject
{
    private const int IndexThreshold = 8;
    private readonly string[] _names;
    private readonly SqlValue[] _values;
    private readonly Dictionary<string, int>? _index;

    public static readonly SqlObject Empty = new([], []);

    /// <summary>Takes ownership of both arrays; names must be unique (SqlObjectBuilder ensures it).</summary>
    internal SqlObject(string[] names, SqlValue[] values)
    {
        _names = names;
        _values = values;
        if (names.Length > IndexThreshold)
        {
            _index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++) _index[names[i]] = i;
        }
    }

    /// <summary>
    /// An object straight from arrays, for a caller that knows its names are distinct and none of its values Undefined
    /// (a protobuf map's keys beside the envelope's own names): what <see cref="SqlObjectBuilder"/> would make, without
    /// its lists and copies. Takes ownership of both arrays.
    /// </summary>
    public static SqlObject OfDistinct(string[] names, SqlValue[] values)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        if (names.Length != values.Length)
            throw new ArgumentException($"{names.Length} names for {values.Length} values", nameof(values));
        System.Diagnostics.Debug.Assert(names.Distinct(StringComparer.Ordinal).Count() == names.Length && !values.Any(v => v.IsUndefined));
        return names.Length == 0 ? Empty : new SqlObject(names, values);
    }

    public int Count => _names.Length;
    public string NameAt(int i) => _names[i];
    public SqlValue ValueAt(int i) => _values[i];

    /// <summary>The field's value, or Undefined when the object has no such field.</summary>
    public SqlValue Get(string name)
    {
        if (_index is not null) return _index.TryGetValue(name, out var at) ? _values[at] : SqlValue.Undefined;
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal)) return _values[i];
        }
        return SqlValue.Undefined;
    }

    public IEnumerable<KeyValuePair<string, SqlValue>> Fields
    {
        get
        {
            for (var i = 0; i < _names.Length; i++) yield return new(_names[i], _values[i]);
        }
    }
}
