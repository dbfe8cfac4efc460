using Prometheus;

namespace Pipeline.SinkWriter.Observability;

/// <summary>The sink's Prometheus metrics (/metrics). Rows/s per table is rate(sink_rows_written_total[1m]).</summary>
internal sealed class SinkMetrics
{
    public SinkMetrics(CollectorRegistry? registry = null)
    {
        var factory = Metrics.WithCustomRegistry(registry ?? Metrics.DefaultRegistry);
        RowsWritten = factory.CreateCounter("sink_rows_written_total", "Rows ClickHouse accepted (deduplicated replays included).", "table");
        BatchRows = factory.CreateHistogram("sink_batch_rows", "Rows per batch handed to ClickHouse.", new HistogramConfiguration
        {
            LabelNames = ["table"],
            Buckets = Histogram.ExponentialBuckets(1, 4, 10), // 1 .. 262144
        });
        BatchAge = factory.CreateHistogram("sink_batch_age_seconds", "Time from a batch's first record to ClickHouse accepting it.", new HistogramConfiguration
        {
            LabelNames = ["table"],
            Buckets = Histogram.ExponentialBuckets(0.01, 2, 14), // 10 ms .. 82 s
        });
        InsertLatency = factory.CreateHistogram("sink_insert_duration_seconds", "Time to insert one batch, retries and splitting included.", new HistogramConfiguration
        {
            LabelNames = ["table"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 18), // 1 ms .. 131 s
        });
        InsertRetries = factory.CreateCounter("sink_insert_retries_total", "Insert attempts that failed and were retried.", "table", "kind");
        Rejected = factory.CreateCounter("sink_rejected_total", "Records or rows sent to iot.rejected.", "table", "reason");
        Tombstones = factory.CreateCounter("sink_tombstones_total", "Tombstones read (deletions from a compacted topic; no row is written).", "table");
        ConsumerLag = factory.CreateGauge("sink_consumer_lag", "Records in the partition not yet committed (high watermark - committed offset).", "table", "topic", "partition");
        BufferedBytes = factory.CreateGauge("sink_buffered_bytes", "Kafka record bytes held in batches not yet written.", "table");
        Paused = factory.CreateGauge("sink_paused", "1 while consumption is paused (ClickHouse being retried or the buffer full).", "table");
    }

    public Counter RowsWritten { get; }
    public Histogram BatchRows { get; }
    public Histogram BatchAge { get; }
    public Histogram InsertLatency { get; }
    public Counter InsertRetries { get; }
    public Counter Rejected { get; }
    public Counter Tombstones { get; }
    public Gauge ConsumerLag { get; }
    public Gauge BufferedBytes { get; }
    public Gauge Paused { get; }
}
