using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.State.Enumerator;

namespace Pipeline.RulesProcessor.Topology.WriteBehind;

/// <summary>
/// A key-value store that holds its writes as objects and hands them to the store it wraps (Streamiz's metered,
/// change-logged RocksDB store) when Streamiz flushes it, which it does before every offset commit (see
/// <see cref="WriteBehindStoreBuilder"/>). A record's <c>Put</c> costs a dictionary write: no serialisation, no store
/// layers, no changelog record; each key written reaches RocksDB and the changelog once per commit, with the value it
/// has at that commit.
/// </summary>
/// <remarks>
/// The value read is the object written, not a copy: a caller that changes it must <c>Put</c> it again (what is
/// written at the flush is the object as it is then). Range reads and enumerations first write the pending entries to
/// the inner store (earlier than a commit, as a cache eviction would), then read it.
/// </remarks>
public sealed class WriteBehindKeyValueStore<K, V>(IKeyValueStore<K, V> inner, IEqualityComparer<K>? comparer = null)
    : WriteBehindStore<K, V>(inner, comparer ?? EqualityComparer<K>.Default), IKeyValueStore<K, V> where K : notnull
{

    public V Get(K key) => Pending.TryGetValue(key, out var value) ? value : inner.Get(key);

    public void Put(K key, V value) => Pending[key] = value;

    public V PutIfAbsent(K key, V value)
    {
        var existing = Get(key);
        if (existing is null)
            Put(key, value);
        return existing;
    }

    public void PutAll(IEnumerable<KeyValuePair<K, V>> entries)
    {
        foreach (var (key, value) in entries)
            Put(key, value);
    }

    public V Delete(K key)
    {
        var existing = Get(key);
        Pending.Remove(key);
        inner.Delete(key);
        return existing;
    }

    public IKeyValueEnumerator<K, V> Range(K from, K to)
    {
        Spill();
        return inner.Range(from, to);
    }

    public IKeyValueEnumerator<K, V> ReverseRange(K from, K to)
    {
        Spill();
        return inner.ReverseRange(from, to);
    }

    public IEnumerable<KeyValuePair<K, V>> All()
    {
        Spill();
        return inner.All();
    }

    public IEnumerable<KeyValuePair<K, V>> ReverseAll()
    {
        Spill();
        return inner.ReverseAll();
    }

    public long ApproximateNumEntries()
    {
        Spill();
        return inner.ApproximateNumEntries();
    }

    protected override void WriteThrough(K key, V value) => inner.Put(key, value);
}
