using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.State.Enumerator;

namespace Pipeline.RulesProcessor.Topology.WriteBehind;

/// <summary>
/// The window-store counterpart of <see cref="WriteBehindKeyValueStore{K, V}"/>: a <c>Put</c> is kept in memory under
/// (key, window start) and written to the wrapped store when Streamiz flushes it, before every offset commit. Point
/// reads see the pending entries; range reads and enumerations first write them to the inner store.
/// </summary>
/// <remarks>
/// A pending entry whose window the inner store's retention has already dropped is still read back until the flush
/// (at most one commit interval); the inner store then drops it as it would have at the <c>Put</c>.
/// </remarks>
public sealed class WriteBehindWindowStore<K, V>(IWindowStore<K, V> inner, IEqualityComparer<K>? comparer = null)
    : WriteBehindStore<(K Key, long Start), V>(inner, new PendingKeyComparer(comparer ?? EqualityComparer<K>.Default)), IWindowStore<K, V>
    where K : notnull
{

    public void Put(K key, V value, long windowStartTimestamp) => Pending[(key, windowStartTimestamp)] = value;

    public V Fetch(K key, long time) => Pending.TryGetValue((key, time), out var value) ? value : inner.Fetch(key, time);

    public IWindowStoreEnumerator<V> Fetch(K key, DateTime from, DateTime to)
    {
        Spill();
        return inner.Fetch(key, from, to);
    }

    public IWindowStoreEnumerator<V> Fetch(K key, long from, long to)
    {
        Spill();
        return inner.Fetch(key, from, to);
    }

    public IKeyValueEnumerator<Windowed<K>, V> All()
    {
        Spill();
        return inner.All();
    }

    public IKeyValueEnumerator<Windowed<K>, V> FetchAll(DateTime from, DateTime to)
    {
        Spill();
        return inner.FetchAll(from, to);
    }

    protected override void WriteThrough((K Key, long Start) key, V value) => inner.Put(key.Key, value, key.Start);

    private sealed class PendingKeyComparer(IEqualityComparer<K> keys) : IEqualityComparer<(K Key, long Start)>
    {
        public bool Equals((K Key, long Start) x, (K Key, long Start) y) => x.Start == y.Start && keys.Equals(x.Key, y.Key);

        public int GetHashCode((K Key, long Start) obj) => HashCode.Combine(keys.GetHashCode(obj.Key), obj.Start);
    }
}
