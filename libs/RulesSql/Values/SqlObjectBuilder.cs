namespace Pipeline.RulesSql.Values;

/// <summary>Builds a SqlObject in field order. Setting a name again replaces its value in place
/// (JSON's "last one wins"), and an Undefined value is not stored: AWS omits it from the result.</summary>
public sealed class SqlObjectBuilder(int capacity = 8)
{
    private readonly List<string> _names = new(capacity);
    private readonly List<SqlValue> _values = new(capacity);
    // Built once the object grows past a few fields, so `SELECT *` of a wide message stays linear.
    private Dictionary<string, int>? _index;

    public int Count => _names.Count;

    public SqlObjectBuilder Set(string name, SqlValue value)
    {
        if (value.IsUndefined) return this;
        var at = IndexOf(name);
        if (at >= 0)
        {
            _values[at] = value;
            return this;
        }
        _names.Add(name);
        _values.Add(value);
        _index?.Add(name, _names.Count - 1);
        return this;
    }

    public SqlObjectBuilder SetAll(SqlObject source)
    {
        for (var i = 0; i < source.Count; i++) Set(source.NameAt(i), source.ValueAt(i));
        return this;
    }

    private int IndexOf(string name)
    {
        if (_index is null && _names.Count > 8)
        {
            _index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < _names.Count; i++) _index[_names[i]] = i;
        }
        if (_index is not null) return _index.TryGetValue(name, out var at) ? at : -1;
        return _names.IndexOf(name);
    }

    public SqlObject Build() => _names.Count == 0 ? SqlObject.Empty : new SqlObject([.. _names], [.. _values]);
}
