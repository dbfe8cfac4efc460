using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Pipeline.RulesProcessor.Modules.Dedupe;
using Pipeline.ServiceDefaults.Kafka;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>The Streamiz configuration the service runs with (also used by the integration tests and the benchmark).</summary>
public static class StreamSettings
{
    public static StreamConfig<StringSerDes, ByteArraySerDes> Create(
        RulesOptions rules, KafkaClientFactory kafka, string stateDir, ILoggerFactory? loggerFactory = null) =>
        WithConnection(Tuned(rules, kafka.Options.FetchWaitMaxMs, kafka.Options.SessionTimeoutMs, stateDir, loggerFactory), kafka.CommonConfig("streams"));

    /// <summary>
    /// Brokers, TLS, SASL, the client id and the request timeout from the factory, through StreamConfig's own properties (it keeps separate
    /// consumer, producer and admin configs and fills each from them). Streamiz's log handlers already write
    /// librdkafka's lines to <see cref="StreamConfig.Logger"/>, and its ToString masks the passwords.
    /// </summary>
    private static StreamConfig<StringSerDes, ByteArraySerDes> WithConnection(StreamConfig<StringSerDes, ByteArraySerDes> config, ClientConfig common)
    {
        config.BootstrapServers = common.BootstrapServers;
        config.ClientId = common.ClientId;
        config.SocketTimeoutMs = common.SocketTimeoutMs;
        config.SecurityProtocol = common.SecurityProtocol;
        if (common.SaslMechanism is { } mechanism)
        {
            config.SaslMechanism = mechanism;
            config.SaslUsername = common.SaslUsername;
            config.SaslPassword = common.SaslPassword;
        }
        if (common.SslCaLocation is { } ca)
            config.SslCaLocation = ca;
        if (common.SslCertificateLocation is { } certificate)
        {
            config.SslCertificateLocation = certificate;
            config.SslKeyLocation = common.SslKeyLocation;
        }
        if (common.SslKeyPassword is { } keyPassword)
            config.SslKeyPassword = keyPassword;
        return config;
    }

    private static StreamConfig<StringSerDes, ByteArraySerDes> Tuned(
        RulesOptions rules, int fetchWaitMaxMs, int sessionTimeoutMs, string stateDir, ILoggerFactory? loggerFactory) => new()
    {
        ApplicationId = rules.ApplicationId,
        FetchWaitMaxMs = fetchWaitMaxMs,
        Guarantee = rules.Guarantee == ProcessingMode.ExactlyOnce ? ProcessingGuarantee.EXACTLY_ONCE : ProcessingGuarantee.AT_LEAST_ONCE,
        NumStreamThreads = rules.StreamThreads,
        StateDir = stateDir,
        CommitIntervalMs = (long)rules.CommitInterval.TotalMilliseconds,
        LingerMs = rules.ProducerLinger.TotalMilliseconds,
        PollMs = (long)rules.PollInterval.TotalMilliseconds,
        // librdkafka's default (CRC32 of the key), as the bridge and every other producer of ours, instead of Streamiz's
        // Java-compatible murmur2: a device's output lands on the partition number its raw records came in on.
        Partitioner = Partitioner.ConsistentRandom,
        CompressionType = Enum.Parse<CompressionType>(rules.Compression, ignoreCase: true),
        // A new application starts at the beginning of iot.telemetry.raw: nothing accepted before it started is skipped.
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // A restarted or killed instance gets its partitions back after the session timeout when its old
        // member did not leave the group (kill -9; and on the embedded mock cluster even after a clean close,
        // observed: the rejoin waited the full 45 s default). Kafka:SessionTimeoutMs, 10 s by default, keeps that short.
        SessionTimeoutMs = sessionTimeoutMs,
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
