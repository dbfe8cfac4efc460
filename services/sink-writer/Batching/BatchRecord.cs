namespace Pipeline.SinkWriter.Batching;

/// <summary>
/// One Kafka record inside a batch: where it came from and which of the batch's rows it produced
/// (rows FirstRow .. FirstRow+RowCount-1), kept so a row ClickHouse refuses can be reported with its original bytes.
/// </summary>
internal readonly record struct BatchRecord(long Offset, byte[] Value, string? Key, long TimestampMs, int FirstRow, int RowCount);
