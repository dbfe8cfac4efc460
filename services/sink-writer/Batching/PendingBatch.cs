namespace Pipeline.SinkWriter.Batching;

/// <summary>
/// Rows from one partition's contiguous offset range, collected until a limit closes the batch.
/// One batch becomes one insert with one deduplication token.
/// </summary>
internal sealed class PendingBatch(string topic, int partition, long firstOffset, long startedTicks, BatchLists? lists = null)
{
    private readonly BatchLists _lists = lists ?? new BatchLists([], []);

    public string Topic { get; } = topic;
    public int Partition { get; } = partition;
    public long FirstOffset { get; } = firstOffset;
    public long LastOffset { get; private set; } = firstOffset - 1;
    public long StartedTicks { get; } = startedTicks;
    public List<object[]> Rows => _lists.Rows;
    public List<BatchRecord> Records => _lists.Records;
    public List<Rejection> Rejections { get; } = [];
    /// <summary>Kafka record bytes in the batch (what <see cref="BatchLimits.MaxBytes"/> limits).</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// Rough heap size of the batch for the memory bound: the record bytes kept for iot.rejected plus the rows
    /// (an object[] with boxed values is about 200 bytes per row for telemetry).
    /// </summary>
    public long MemoryBytes => Bytes + Rows.Count * RowOverheadBytes;

    public const int RowOverheadBytes = 200;

    /// <summary>True when the batch must end exactly at a recorded in-flight range (a replay after a crash).</summary>
    public bool IsReplay { get; init; }

    /// <summary>Kafka timestamps of the records at <see cref="FirstOffset"/> and <see cref="LastOffset"/>.</summary>
    public long FirstTimestampMs { get; private set; }
    public long LastTimestampMs { get; private set; }

    public string Token => DeduplicationToken.ForBatch(Topic, Partition, FirstOffset, LastOffset, FirstTimestampMs, LastTimestampMs);

    public void Add(BatchRecord record, int valueBytes)
    {
        if (record.RowCount > 0)
            Records.Add(record); // a record without rows (no metrics) only moves the range forward
        Extend(record.Offset, record.TimestampMs, valueBytes);
    }

    public void AddRejected(Rejection rejection, int valueBytes)
    {
        Rejections.Add(rejection);
        Extend(rejection.Offset, rejection.TimestampMs, valueBytes);
    }

    private void Extend(long offset, long timestampMs, int valueBytes)
    {
        if (offset == FirstOffset) FirstTimestampMs = timestampMs;
        LastOffset = offset;
        LastTimestampMs = timestampMs;
        Bytes += valueBytes;
    }

    /// <summary>Hands the batch's lists back for reuse; the batch must not be used afterwards.</summary>
    public void ReleaseTo(BatchListPool pool) => pool.Return(_lists);

    /// <summary>The record that produced a row (for reporting a refused row).</summary>
    public BatchRecord RecordOfRow(int row)
    {
        int lo = 0, hi = Records.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (Records[mid].FirstRow <= row) lo = mid; else hi = mid - 1;
        }
        return Records[lo];
    }
}
