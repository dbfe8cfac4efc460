using Pipeline.Contracts;
using Pipeline.RulesProcessor.Replay;
using Pipeline.RulesProcessor.Serialization;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// The processor's single Streamiz topology: iot.telemetry.raw is read and checked (readable, keyed by the
/// device id), the enabled modules are added in their configured order, and whatever is left of the
/// telemetry chain is written to iot.telemetry.enriched. Also the list of every topic that topology needs.
/// </summary>
public sealed class RulesTopology(
    IReadOnlyList<ITopologyModule> modules, KafkaTopics topics, string applicationId, ProcessingMode guarantee = ProcessingMode.ExactlyOnce,
    string logIncarnation = "", TimeSpan? commitInterval = null)
{
    /// <summary>The metrics label of the built-in source checks and of the final enriched sink.</summary>
    public const string SourceModule = "source";

    public IReadOnlyList<ITopologyModule> Modules { get; } = modules;

    public string ApplicationId { get; } = applicationId;

    public IReadOnlyList<string> InputTopics =>
        new[] { topics.TelemetryRaw }.Concat(Modules.SelectMany(m => m.Describe(topics).Reads)).Distinct().ToList();

    /// <summary>Topics written; each gets its schema registered before the stream starts.</summary>
    public IReadOnlyList<string> OutputTopics =>
        new[] { topics.TelemetryEnriched, topics.Rejected }.Concat(Modules.SelectMany(m => m.Describe(topics).Writes)).Distinct().ToList();

    /// <summary>Changelog topics of the state stores: the modules' and, exactly-once, the replay guards' (no repartition topic is needed).</summary>
    public IReadOnlyList<string> InternalTopics =>
        new[] { ModuleContext.ReplayGuardStore(topics.TelemetryRaw) }
            .Concat(Modules.SelectMany(m => m.Describe(topics).StateStores))
            // At-least-once, ModuleContext.Stream adds no replay guard, so those stores do not exist.
            .Where(s => guarantee == ProcessingMode.ExactlyOnce || !ModuleContext.IsReplayGuardStore(s))
            .Select(s => $"{ApplicationId}-{s}-changelog").Distinct().ToList();

    /// <summary>Every topic that must exist before the stream starts.</summary>
    public IReadOnlyList<string> AllTopics => InputTopics.Concat(OutputTopics).Concat(InternalTopics).Distinct().ToList();

    public Streamiz.Kafka.Net.Stream.Topology Build(ISchemaCatalog schemas, RulesMetrics metrics, IOutputLedgerSource? outputLedgers = null)
    {
        var builder = new StreamBuilder();
        var context = new ModuleContext(builder, topics, schemas, metrics)
        {
            Telemetry = null!, Module = SourceModule, Guarantee = guarantee, LogIncarnation = logIncarnation,
            OutputLedgers = outputLedgers ?? NoOutputLedger.Instance,
            CommitInterval = commitInterval ?? TimeSpan.FromMilliseconds(200),
        };
        var raw = context.Stream<TelemetryRecord>(topics.TelemetryRaw);
        var sourceIn = metrics.InCounter(SourceModule);
        var checkedRecords = raw.MapValues((key, decoded, record) =>
        {
            sourceIn.Inc();
            return SourceChecks.Check(key, decoded, record.Topic);
        });
        context.Telemetry = context.SplitRejections(checkedRecords);

        // One counting node per place where the chain changed (ChainCount): the output of the module that changed it
        // and the input of every module that reads it there.
        ChainCount? count = null;
        IKStream<string, EnrichedTelemetry>? countedAt = null;
        string? passedOnBy = null;
        foreach (var module in Modules)
        {
            if (count is null || !ReferenceEquals(context.Telemetry, countedAt))
            {
                var here = count = new ChainCount(metrics, passedOnBy);
                context.Telemetry = countedAt = context.Telemetry.Peek((_, _, _) => here.Record());
                passedOnBy = null;
            }
            count.AddIn(module.Name);
            var input = context.Telemetry;
            context.Module = module.Name;
            module.Build(builder, context);
            if (!ReferenceEquals(context.Telemetry, input))
                passedOnBy = module.Name;
        }

        context.Module = SourceModule;
        var lastOut = passedOnBy is null ? null : metrics.OutCounter(passedOnBy);
        // Write-once: dedupe and the other modules keep state that can reach Kafka before (or without) the output it
        // stands for; a replayed record is let through them and it is here that an output already written stops.
        // The last module's output is counted and the record stamped in the sink's own counting node (one node less).
        context.Produce(
            context.WriteOnce(context.Telemetry, topics.TelemetryEnriched),
            topics.TelemetryEnriched,
            v => v.Record.DeviceTsMs,
            v =>
            {
                lastOut?.Inc();
                v.ProcessedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            });
        return builder.Build();
    }
}
