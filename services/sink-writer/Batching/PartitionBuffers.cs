using System.Diagnostics;
using Confluent.Kafka;

namespace Pipeline.SinkWriter.Batching;

/// <summary>
/// The batches held for each assigned partition: one open batch collecting records, and closed batches
/// waiting for their insert. Batches of one partition are written in order, so a partition's committed
/// offset is always the first offset of its next batch.
/// </summary>
internal sealed class PartitionBuffers(BatchLimits limits, BatchListPool? pool = null)
{
    private readonly Dictionary<TopicPartition, PartitionBuffer> _partitions = [];

    /// <summary>Estimated memory of open and closed batches (not those already handed to the writer).</summary>
    public long BufferedBytes { get; private set; }

    public IEnumerable<TopicPartition> Partitions => _partitions.Keys;

    /// <summary>
    /// Starts holding a partition. <paramref name="replayEndOffset"/> is the last offset of a batch a previous
    /// owner may have inserted without committing: the first batch must end exactly there so it carries the
    /// same deduplication token and ClickHouse stores its rows once.
    /// </summary>
    public void Assign(TopicPartition partition, long? replayEndOffset) =>
        _partitions[partition] = new PartitionBuffer { ReplayEndOffset = replayEndOffset };

    /// <summary>Stops holding a partition and returns what it held (open batch closed), oldest first.</summary>
    public List<PendingBatch> Revoke(TopicPartition partition)
    {
        if (!_partitions.Remove(partition, out var buffer))
            return [];
        if (buffer.Open is { IsReplay: true } unfinished)
        {
            // Written now it would carry another token than the range a previous owner may have inserted;
            // left uncommitted, the next owner replays the whole range instead.
            BufferedBytes -= unfinished.MemoryBytes;
            buffer.Open = null;
        }
        CloseOpen(buffer);
        var batches = buffer.Closed.ToList();
        BufferedBytes -= batches.Sum(b => b.MemoryBytes);
        return batches;
    }

    /// <summary>
    /// The batch a record at <paramref name="offset"/> goes into (closing the open batch first when the record must
    /// not join it), or null for a partition that is not held: its owner reads the record again.
    /// </summary>
    public PendingBatch? BatchFor(TopicPartition partition, long offset)
    {
        if (!_partitions.TryGetValue(partition, out var buffer))
            return null;
        if (buffer.Open is { } open && open.IsReplay && offset > buffer.ReplayEndOffset)
        {
            // The recorded range ended inside a gap (transaction markers): it is complete without this record.
            CloseOpen(buffer);
            buffer.ReplayEndOffset = null;
        }
        if (buffer.Open is null)
        {
            if (buffer.ReplayEndOffset is { } end && offset > end)
                buffer.ReplayEndOffset = null;
            buffer.Open = new PendingBatch(partition.Topic, partition.Partition.Value, offset, Stopwatch.GetTimestamp(), pool?.Rent())
            {
                IsReplay = buffer.ReplayEndOffset is not null,
            };
        }
        return buffer.Open;
    }

    /// <summary>Accounts a record just added to <paramref name="batch"/> (with its rows) and closes the batch when it is complete.</summary>
    public void Added(TopicPartition partition, PendingBatch batch, int valueBytes, int rows)
    {
        BufferedBytes += valueBytes + (long)rows * PendingBatch.RowOverheadBytes;
        var buffer = _partitions[partition];
        if (batch.IsReplay)
        {
            if (batch.LastOffset >= buffer.ReplayEndOffset)
            {
                CloseOpen(buffer);
                buffer.ReplayEndOffset = null;
            }
        }
        else if (limits.IsFull(batch))
            CloseOpen(buffer);
    }

    /// <summary>Closes open batches that reached their age. A replayed range waits for its last record instead.</summary>
    public void CloseAged(long nowTicks)
    {
        foreach (var buffer in _partitions.Values)
            if (buffer.Open is { IsReplay: false } open && limits.IsOld(open, nowTicks))
                CloseOpen(buffer);
    }

    /// <summary>Closes every open batch that is not a replay (shutdown drain).</summary>
    public void CloseAll()
    {
        foreach (var buffer in _partitions.Values)
            if (buffer.Open is { IsReplay: false })
                CloseOpen(buffer);
    }

    /// <summary>Hands over every closed batch, in offset order per partition.</summary>
    public List<PendingBatch> TakeClosed()
    {
        var taken = new List<PendingBatch>();
        foreach (var buffer in _partitions.Values)
            while (buffer.Closed.TryDequeue(out var batch))
            {
                BufferedBytes -= batch.MemoryBytes;
                taken.Add(batch);
            }
        return taken;
    }

    public bool HasClosed => _partitions.Values.Any(b => b.Closed.Count > 0);

    private static void CloseOpen(PartitionBuffer buffer)
    {
        if (buffer.Open is null)
            return;
        buffer.Closed.Enqueue(buffer.Open);
        buffer.Open = null;
    }

    private sealed class PartitionBuffer
    {
        public PendingBatch? Open { get; set; }
        public Queue<PendingBatch> Closed { get; } = new();
        public long? ReplayEndOffset { get; set; }
    }
}
