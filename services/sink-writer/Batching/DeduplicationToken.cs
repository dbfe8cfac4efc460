namespace Pipeline.SinkWriter.Batching;

/// <summary>
/// The insert_deduplication_token of a batch. It names the batch's source (topic, partition and the
/// contiguous offset range), so re-reading the same offsets after a crash or a retry produces the same
/// token for the same rows and ClickHouse stores them once. A part of a batch that was split to isolate
/// a refused row adds its row range, which is just as repeatable because rows are a pure function of records.
/// Offsets alone do not name records for ever: a topic deleted and created again, or an embedded Kafka that
/// starts empty (every `./pipeline up`), hands out offset 0 again, and ClickHouse silently dropped new rows whose
/// token equalled an old batch's. The Kafka timestamps of the range's first and last record tell the two apart
/// and are just as repeatable on a replay, since they are stored in the log with the records.
/// </summary>
internal static class DeduplicationToken
{
    public static string ForBatch(string topic, int partition, long firstOffset, long lastOffset, long firstTimestampMs, long lastTimestampMs) =>
        $"{topic}:{partition}:{firstOffset}-{lastOffset}@{firstTimestampMs}-{lastTimestampMs}";

    public static string ForRows(string batchToken, int firstRow, int rowCount, int batchRowCount) =>
        firstRow == 0 && rowCount == batchRowCount ? batchToken : $"{batchToken}#{firstRow}+{rowCount}";
}
