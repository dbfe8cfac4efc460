using System.Collections;
using System.Collections.Concurrent;

namespace Pipeline.MqttBridge.Hosting;

/// <summary>
/// A session's item dictionary (MQTTnet's <c>SessionItems</c>) that allocates its storage on the first write:
/// the bridge keeps nothing there, so a connection holds an empty object instead of a concurrent dictionary sized
/// for 31 entries (about 0.5 KiB each, at every idle connection). Thread-safe like the dictionary it replaces.
/// </summary>
internal sealed class LazySessionItems : IDictionary
{
    private static readonly IDictionary Empty = new ConcurrentDictionary<object, object>(concurrencyLevel: 1, capacity: 0);

    private ConcurrentDictionary<object, object>? _items;

    private IDictionary Read => _items ?? Empty;

    private IDictionary Write
    {
        get
        {
            if (_items is { } items)
                return items;
            Interlocked.CompareExchange(ref _items, new ConcurrentDictionary<object, object>(), null);
            return _items;
        }
    }

    /// <summary>Whether anything was ever stored (for tests: an idle connection's items stay unallocated).</summary>
    public bool IsAllocated => _items is not null;

    public object? this[object key]
    {
        get => Read[key];
        set => Write[key] = value;
    }

    public ICollection Keys => Read.Keys;
    public ICollection Values => Read.Values;
    public int Count => Read.Count;
    public bool IsReadOnly => false;
    public bool IsFixedSize => false;
    public bool IsSynchronized => false;
    public object SyncRoot => this;

    public void Add(object key, object? value) => Write.Add(key, value);
    public void Clear() => _items?.Clear();
    public bool Contains(object key) => Read.Contains(key);
    public void Remove(object key) => _items?.TryRemove(key, out _);
    public void CopyTo(Array array, int index) => Read.CopyTo(array, index);
    public IDictionaryEnumerator GetEnumerator() => Read.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
