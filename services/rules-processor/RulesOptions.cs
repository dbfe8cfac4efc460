namespace Pipeline.RulesProcessor;

/// <summary>The processor itself. Section "Rules".</summary>
public sealed class RulesOptions
{
    public const string SectionName = "Rules";

    public static readonly IReadOnlyList<string> DefaultModules = ["validate", "dedupe", "enrich", "rules", "window", "threshold-alert", "shadow"];

    /// <summary>Streamiz application.id: consumer group, prefix of the changelog topics, folder of the local state.</summary>
    public string ApplicationId { get; set; } = "rules-processor";

    /// <summary>Enabled modules, built in this order on the telemetry chain. Null = <see cref="DefaultModules"/>.</summary>
    public string[]? Modules { get; set; }

    public IReadOnlyList<string> EnabledModules => Modules ?? DefaultModules;

    public int StreamThreads { get; set; } = 1;

    /// <summary>Where RocksDB state lives. Empty = &lt;StateDir&gt;/rules-processor (root setting StateDir, default .pipeline).</summary>
    public string? StateDir { get; set; }

    public ProcessingMode Guarantee { get; set; } = ProcessingMode.ExactlyOnce;

    /// <summary>How often offsets, state and (exactly-once) the transaction are committed: the latency of a record through the processor.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long the producer gathers output records into one batch (librdkafka linger.ms). Larger batches cost the
    /// broker and every consumer less per record (the embedded mock cluster hands out one batch per partition per
    /// fetch), at the price of this much latency; keep it well below <see cref="CommitInterval"/>.
    /// </summary>
    public TimeSpan ProducerLinger { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// How long the stream thread gathers input records before it processes them (Streamiz PollMs): a poll ends at this
    /// time or at 500 records, whichever comes first. Under a steady load below 500 records per poll every poll runs to
    /// this limit, so it is added to every record's latency (up to this much, half on average); Streamiz's default is
    /// 100 ms. A backlog fills 500 records long before it, so throughput does not depend on it.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Kafka compression of the processor's output and changelogs (none, gzip, snappy, lz4, zstd). Smaller batches
    /// also stretch the embedded mock cluster's fixed ~5 MB per partition further.
    /// </summary>
    public string Compression { get; set; } = "lz4";
}

public enum ProcessingMode
{
    ExactlyOnce,
    AtLeastOnce,
}
