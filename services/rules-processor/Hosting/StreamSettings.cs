using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>The Streamiz configuration the service runs with (also used by the integration tests and the benchmark).</summary>
public static class StreamSettings
{
    public static StreamConfig<StringSerDes, ByteArraySerDes> Create(
        RulesOptions rules, string bootstrapServers, string stateDir, ILoggerFactory? loggerFactory = null) => new()
    {
        ApplicationId = rules.ApplicationId,
        BootstrapServers = bootstrapServers,
        Guarantee = rules.Guarantee == ProcessingMode.ExactlyOnce ? ProcessingGuarantee.EXACTLY_ONCE : ProcessingGuarantee.AT_LEAST_ONCE,
        NumStreamThreads = rules.StreamThreads,
        StateDir = stateDir,
        CommitIntervalMs = (long)rules.CommitInterval.TotalMilliseconds,
        LingerMs = rules.ProducerLinger.TotalMilliseconds,
        // librdkafka's default (CRC32 of the key), as the bridge and every other producer of ours, instead of Streamiz's
        // Java-compatible murmur2: a device's output lands on the partition number its raw records came in on.
        Partitioner = Partitioner.ConsistentRandom,
        // A new application starts at the beginning of iot.telemetry.raw: nothing accepted before it started is skipped.
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // A restarted or killed instance gets its partitions back after the session timeout when its old
        // member did not leave the group (kill -9; and on the embedded mock cluster even after a clean close,
        // observed: the rejoin waited the full 45 s default). 10 s keeps that wait short; brokers allow >= 6 s.
        SessionTimeoutMs = 10_000,
        HeartbeatIntervalMs = 3_000,
        Logger = new StreamLoggerFactory(loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance),
    };
}
