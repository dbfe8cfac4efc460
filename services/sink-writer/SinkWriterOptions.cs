using System.ComponentModel.DataAnnotations;

namespace Pipeline.SinkWriter;

/// <summary>How the sink batches, retries and drains. Section "SinkWriter".</summary>
public sealed class SinkWriterOptions
{
    public const string SectionName = "SinkWriter";

    /// <summary>Consumer groups are "&lt;prefix&gt;.&lt;destination&gt;", one per destination table.</summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]+$", ErrorMessage = "SinkWriter:ConsumerGroupPrefix must be [A-Za-z0-9._-]+.")]
    public string ConsumerGroupPrefix { get; set; } = "sink-writer";

    /// <summary>Which destinations this instance runs (telemetry, telemetry_1m, events, rejected, devices, shadow_history); empty = all.</summary>
    public List<string> Destinations { get; set; } = [];

    // Batch defaults follow ClickHouse's own guidance (https://clickhouse.com/docs/optimize/bulk-inserts):
    // "insert in batches of at least 1,000 rows, ideally between 10,000-100,000 rows" and "keep the number
    // of insert queries around one insert query per second". A batch closes at whichever limit comes first.

    /// <summary>Rows (ClickHouse rows, e.g. metric values) per insert at most: the top of ClickHouse's ideal range.</summary>
    [Range(1, 1_000_000, ErrorMessage = "SinkWriter:BatchMaxRows must be 1..1000000 (ClickHouse splits inserts above max_insert_block_size).")]
    public int BatchMaxRows { get; set; } = 100_000;

    /// <summary>Kafka record bytes per insert at most; 100,000 telemetry rows are about 10 MB, so rows usually close a batch first.</summary>
    [Range(1024, 256 * 1024 * 1024, ErrorMessage = "SinkWriter:BatchMaxBytes must be 1 KiB..256 MiB.")]
    public int BatchMaxBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// A partition's batch is written at this age even when small: two inserts per second per partition. Half of it is the
    /// average wait of a row in the sink (end-to-end p50 at 10,000 msg/s on the embedded stack: 1 s -> 0.5 s cut it from
    /// ~950 ms to ~740 ms); with many partitions, raise it to keep ClickHouse near one insert per second per table.
    /// </summary>
    public TimeSpan BatchMaxAge { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Per destination: when the batches held (estimated heap: record bytes + about 200 bytes per row) pass this,
    /// open batches are written at once and every partition is paused until the inserts catch up.
    /// </summary>
    [Range(1024, long.MaxValue, ErrorMessage = "SinkWriter:MaxBufferedBytes must be at least 1 KiB.")]
    public long MaxBufferedBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>
    /// Inserts of different partitions that may run at the same time (one partition's batches always go in order):
    /// while ClickHouse stores one batch, the next is serialised and sent.
    /// </summary>
    [Range(1, 16, ErrorMessage = "SinkWriter:InsertConcurrency must be 1..16.")]
    public int InsertConcurrency { get; set; } = 2;

    /// <summary>First retry delay for a transient ClickHouse failure; doubles (with jitter) up to RetryMaxDelay, forever.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>One insert attempt longer than this counts as a transient failure (the same token makes the retry safe).</summary>
    public TimeSpan InsertTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a rebalance or a shutdown may spend writing held batches before leaving them to the next owner.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Kafka session timeout: how long a crashed instance's partitions stay with it before the group moves them.
    /// Kafka's default; tests lower it so a restarted process takes over quickly.
    /// </summary>
    public TimeSpan KafkaSessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Apply the ClickHouse migrations before consuming.</summary>
    public bool MigrateOnStart { get; set; } = true;

    public static readonly string[] AllDestinations = ["telemetry", "telemetry_1m", "events", "rejected", "devices", "shadow_history", "rule_rows"];
}
