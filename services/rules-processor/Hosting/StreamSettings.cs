using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Pipeline.RulesProcessor.Modules.Dedupe;
using Pipeline.ServiceDefaults;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>The Streamiz configuration the service runs with (also used by the integration tests and the benchmark).</summary>
public static class StreamSettings
{
    public static StreamConfig<StringSerDes, ByteArraySerDes> Create(
        RulesOptions rules, KafkaOptions kafka, string stateDir, ILoggerFactory? loggerFactory = null) => new()
    {
        ApplicationId = rules.ApplicationId,
        BootstrapServers = kafka.BootstrapServers,
        FetchWaitMaxMs = kafka.FetchWaitMaxMs,
        Guarantee = rules.Guarantee == ProcessingMode.ExactlyOnce ? ProcessingGuarantee.EXACTLY_ONCE : ProcessingGuarantee.AT_LEAST_ONCE,
        NumStreamThreads = rules.StreamThreads,
        StateDir = stateDir,
        CommitIntervalMs = (long)rules.CommitInterval.TotalMilliseconds,
        LingerMs = rules.ProducerLinger.TotalMilliseconds,
        // librdkafka's default (CRC32 of the key), as the bridge and every other producer of ours, instead of Streamiz's
        // Java-compatible murmur2: a device's output lands on the partition number its raw records came in on.
        Partitioner = Partitioner.ConsistentRandom,
        CompressionType = Enum.Parse<CompressionType>(rules.Compression, ignoreCase: true),
        // A new application starts at the beginning of iot.telemetry.raw: nothing accepted before it started is skipped.
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // A restarted or killed instance gets its partitions back after the session timeout when its old
        // member did not leave the group (kill -9; and on the embedded mock cluster even after a clean close,
        // observed: the rejoin waited the full 45 s default). 10 s keeps that wait short; brokers allow >= 6 s.
        SessionTimeoutMs = 10_000,
        HeartbeatIntervalMs = 3_000,
        RocksDbConfigHandler = TuneRocksDb,
        Logger = new StreamLoggerFactory(loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance),
    };

    /// <summary>
    /// Streamiz tunes every RocksDB store for keys that are found (optimize_filters_for_hits: no Bloom filter on the
    /// largest level), but dedupe asks for (device, seq) pairs that are almost never there, so most of its lookups
    /// read data blocks of that level (perf: RocksDB Get was about a tenth of the processor's CPU). With filters on
    /// every level an absent pair is answered from the filter. Window-store segments are named "&lt;store&gt;.&lt;start&gt;".
    /// </summary>
    private static void TuneRocksDb(string storeName, RocksDbOptions options)
    {
        if (storeName.StartsWith(DedupeModule.StoreName + ".", StringComparison.Ordinal))
            options.SetOptimizeFiltersForHits(0);
    }
}
