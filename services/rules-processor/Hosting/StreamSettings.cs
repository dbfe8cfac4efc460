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
        // A new application starts at the beginning of iot.telemetry.raw: nothing accepted before it started is skipped.
        AutoOffsetReset = AutoOffsetReset.Earliest,
        Logger = loggerFactory is null ? null : new StreamLoggerFactory(loggerFactory),
    };
}
