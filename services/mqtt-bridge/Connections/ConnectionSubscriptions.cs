namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// The topic filters one connection holds, to cap them (Limits:MaxSubscriptionsPerConnection, AWS: 50). Counted
/// per connection, as AWS counts them; filters a resumed persistent session brings back are not counted.
/// </summary>
public sealed class ConnectionSubscriptions
{
    private readonly HashSet<string> _filters = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Adds the filter unless that would exceed <paramref name="max"/>; a filter already held is always fine (it replaces itself).</summary>
    public bool TryAdd(string filter, int max)
    {
        lock (_lock)
        {
            if (_filters.Contains(filter))
                return true;
            if (_filters.Count >= max)
                return false;
            _filters.Add(filter);
            return true;
        }
    }

    public void Remove(string filter)
    {
        lock (_lock)
            _filters.Remove(filter);
    }

    public int Count
    {
        get { lock (_lock) return _filters.Count; }
    }
}
