using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Table;

namespace Pipeline.RulesProcessor.Topology.WriteBehind;

/// <summary>
/// Registers a write-behind store (<see cref="WriteBehindKeyValueStore{K, V}"/>, <see cref="WriteBehindWindowStore{K, V}"/>)
/// in place of the store Streamiz's builder makes: everything else (name, changelog, retention, cache) is the inner
/// builder's, and the wrapper is what a processor gets from <c>GetStateStore</c> and what the task flushes.
/// </summary>
/// <remarks>
/// Why the writes may wait for the flush (checked in Streamiz 1.8.2's TaskManager and StreamTask): a commit first
/// calls <c>PrepareCommit</c> on every task, which flushes every registered store (<c>ProcessorStateManager.Flush</c>:
/// the outermost store, this wrapper, which writes its pending entries through the change-logging layer) and then
/// the record collector (the producer, so the changelog records are delivered); only then are the offsets committed
/// (at-least-once: <c>Consumer.Commit</c>; exactly-once: <c>CommitTransaction</c> with the offsets, the changelog
/// records in the same transaction). A task closed on a rebalance or a stop goes through the same path. So every
/// committed offset has the state of all the records before it in the changelog, exactly as with a cached store;
/// what a crash loses is only state of records after the last commit, which are replayed. Restoration writes the
/// changelog into the innermost store, below this wrapper, before the task processes its first record.
/// </remarks>
public sealed class WriteBehindStoreBuilder(IStoreBuilder inner, Func<IStateStore, IStateStore> wrap) : IStoreBuilder
{
    public bool IsWindowStore => inner.IsWindowStore;
    public long RetentionMs => inner.RetentionMs;
    public IDictionary<string, string> LogConfig => inner.LogConfig;
    public bool LoggingEnabled => inner.LoggingEnabled;
    public string Name => inner.Name;
    public CacheSize CacheSize => inner.CacheSize;

    public IStateStore Build(IStreamConfig config) => wrap(inner.Build(config));

    /// <summary>A key-value store whose writes wait for the next flush.</summary>
    public static WriteBehindStoreBuilder KeyValue<K, V>(IStoreBuilder<IKeyValueStore<K, V>> inner, IEqualityComparer<K>? comparer = null)
        where K : notnull =>
        new(inner, store => new WriteBehindKeyValueStore<K, V>((IKeyValueStore<K, V>)store, comparer));

    /// <summary>A window store whose writes wait for the next flush.</summary>
    public static WriteBehindStoreBuilder Window<K, V>(IStoreBuilder<IWindowStore<K, V>> inner, IEqualityComparer<K>? comparer = null)
        where K : notnull =>
        new(inner, store => new WriteBehindWindowStore<K, V>((IWindowStore<K, V>)store, comparer));
}
