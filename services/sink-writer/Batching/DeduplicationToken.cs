namespace Pipeline.SinkWriter.Batching;

/// <summary>
/// The insert_deduplication_token of a batch. It names the batch's source (topic, partition and the
/// contiguous offset range), so re-reading the same offsets after a crash or a retry produces the same
/// token for the same rows and ClickHouse stores them once. A part of a batch that was split to isolate
/// a refused row adds its row range, which is just as repeatable because rows are a pure function of records.
/// </summary>
internal static class DeduplicationToken
{
    public static string ForBatch(string topic, int partition, long firstOffset, long lastOffset) =>
        $"{topic}:{partition}:{firstOffset}-{lastOffset}";

    public static string ForRows(string batchToken, int firstRow, int rowCount, int batchRowCount) =>
        firstRow == 0 && rowCount == batchRowCount ? batchToken : $"{batchToken}#{firstRow}+{rowCount}";
}
