using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Topology.WriteBehind;

/// <summary>
/// What both write-behind stores share: the pending writes, and the store life cycle around them. Pending writes
/// reach the wrapped store at Streamiz's flush (before every offset commit) or before a read the pending map cannot
/// answer; a close without a flush (a task lost to a crash) drops them, like Streamiz's cache.
/// </summary>
public abstract class WriteBehindStore<TPendingKey, V>(IStateStore inner, IEqualityComparer<TPendingKey> comparer)
    where TPendingKey : notnull
{
    protected Dictionary<TPendingKey, V> Pending { get; } = new(comparer);

    public string Name => inner.Name;
    public bool Persistent => inner.Persistent;
    public bool IsLocally => inner.IsLocally;
    public bool IsOpen => inner.IsOpen;

    /// <summary>How many entries wait for the next flush.</summary>
    public int PendingCount => Pending.Count;

    public void Init(ProcessorContext context, IStateStore root)
    {
        Pending.Clear();
        inner.Init(context, root);
    }

    public void Flush()
    {
        Spill();
        inner.Flush();
    }

    public void Close()
    {
        Pending.Clear();
        inner.Close();
    }

    /// <summary>Writes one pending entry to the wrapped store.</summary>
    protected abstract void WriteThrough(TPendingKey key, V value);

    protected void Spill()
    {
        if (Pending.Count == 0)
            return;
        foreach (var (key, value) in Pending)
            WriteThrough(key, value);
        Pending.Clear();
    }
}
