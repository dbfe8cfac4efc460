using System.Collections.Concurrent;

namespace Pipeline.SinkWriter.Batching;

/// <summary>
/// Reuses the row and record lists of written batches. A batch of 20,000 rows grows its lists through a dozen
/// doublings, the last ones on the large object heap (zeroed on allocation, and counted towards a gen 2 collection);
/// under load that was a visible share of the sink's GC time (README.md, Performance). Bounded: at most
/// <see cref="MaxKept"/> pairs are kept, the rest are left to the GC.
/// </summary>
internal sealed class BatchListPool
{
    public const int MaxKept = 64;

    private readonly ConcurrentBag<BatchLists> _free = [];

    public BatchLists Rent() => _free.TryTake(out var lists) ? lists : new BatchLists([], []);

    /// <summary>Takes back a batch's lists once nothing refers to its rows any more (after its insert and commit).</summary>
    public void Return(BatchLists lists)
    {
        if (_free.Count >= MaxKept)
            return;
        lists.Rows.Clear();
        lists.Records.Clear();
        _free.Add(lists);
    }
}

/// <summary>The lists one batch fills: its rows and the records they came from.</summary>
internal sealed record BatchLists(List<object[]> Rows, List<BatchRecord> Records);
