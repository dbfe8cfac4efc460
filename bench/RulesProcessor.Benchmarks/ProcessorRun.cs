using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.RulesProcessor.Hosting;
using Pipeline.RulesProcessor.Modules.Dedupe;
using Pipeline.RulesProcessor.Modules.Enrich;
using Pipeline.RulesProcessor.Modules.ThresholdAlert;
using Pipeline.RulesProcessor.Modules.Validate;
using Pipeline.RulesProcessor.Modules.Window;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.Topology;
using Prometheus;
using Streamiz.Kafka.Net;

namespace Pipeline.RulesProcessor.Benchmarks;

/// <summary>One run of the processor's topology (the service's own builder and Streamiz settings) over the raw topic.</summary>
internal static class ProcessorRun
{
    public static IReadOnlyList<ITopologyModule> Modules(int count) => new ITopologyModule[]
    {
        new ValidateModule(Options.Create(new ValidateOptions())),
        new DedupeModule(Options.Create(new DedupeOptions())),
        new EnrichModule(),
        new WindowModule(Options.Create(new WindowOptions())),
        new ThresholdAlertModule(Options.Create(new ThresholdAlertOptions { Rules = [new ThresholdRule { Metric = "temperature", Above = 80, Consecutive = 3 }] })),
    }.Take(count).ToList();

    /// <summary>Time from the first record in to the last record written to the enriched topic.</summary>
    public static TimeSpan Run(MockKafkaCluster? cluster, string bootstrap, ISchemaCatalog schemas, KafkaTopics topics,
        IReadOnlyList<ITopologyModule> modules, ProcessingMode guarantee, int partitions, int records, TimeSpan commitInterval, TimeSpan pollInterval)
    {
        var appId = $"bench-rules-{Guid.NewGuid():N}";
        var plan = new RulesTopology(modules, topics, appId, guarantee);
        var kafka = new Pipeline.ServiceDefaults.Kafka.KafkaClientFactory(new Pipeline.ServiceDefaults.KafkaOptions { BootstrapServers = bootstrap }, "bench");
        // Every topic the topology reads, writes or keeps state in, as the service's --list-topics names them: Streamiz
        // waits for ever, silently, for a topic the embedded Kafka does not have (the rules variants hung on
        // iot.shadow.requests, which the rules module reads since it sees shadow updates).
        cluster?.CreateTopics(MissingTopics.Find(kafka, plan.AllTopics.Concat([topics.TelemetryAgg1m, topics.EventsRaw]).Distinct().ToList()), partitions);
        var metrics = new RulesMetrics(new CollectorRegistry());
        var stateDir = Path.Combine(Path.GetTempPath(), appId);
        var config = StreamSettings.Create(new RulesOptions { ApplicationId = appId, Guarantee = guarantee, CommitInterval = commitInterval, PollInterval = pollInterval }, kafka, stateDir);
        using var stream = new KafkaStream(plan.Build(schemas, metrics), config);
        try
        {
            stream.StartAsync().GetAwaiter().GetResult();
            var deadline = DateTime.UtcNow.AddMinutes(10);
            while (metrics.InCount(RulesTopology.SourceModule) == 0)
                Wait(deadline, "the first record");
            var clock = Stopwatch.StartNew();
            var (seen, lastProgress) = (0.0, Stopwatch.StartNew());
            while (metrics.OutCount(RulesTopology.SourceModule) is var done && done < records)
            {
                if (done != seen)
                    (seen, lastProgress) = (done, Stopwatch.StartNew());
                else if (lastProgress.Elapsed > StallLimit)
                    throw new TimeoutException($"{done} of {records} records out, and none more in {StallLimit.TotalSeconds:0} s: the embedded Kafka keeps " +
                        $"only about 5 MiB per partition and drops older records, so a run with more records per partition never sees them all; " +
                        $"use more --partitions ({partitions} now) or fewer --records.");
                Wait(deadline, $"{records} records out (have {done})");
            }
            return clock.Elapsed;
        }
        finally
        {
            stream.Dispose();
            if (Directory.Exists(stateDir))
                Directory.Delete(stateDir, recursive: true);
        }
    }

    /// <summary>How long a run may go without one more record out before it is taken as stuck (a processor that runs goes far faster).</summary>
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);

    private static void Wait(DateTime deadline, string what)
    {
        if (DateTime.UtcNow > deadline)
            throw new TimeoutException($"Waited 10 minutes for {what}.");
        Thread.Sleep(5);
    }
}
