using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.State;
using Pipeline.RulesProcessor.Topology;
using Pipeline.RulesProcessor.Topology.WriteBehind;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Modules.Window;

/// <summary>
/// 1-minute tumbling aggregates (count, min, max, sum, last) per device and metric on device time; one
/// final record per window to iot.telemetry.agg.1m once its grace has passed; a record for a window that
/// already closed goes to iot.rejected as LATE (it still reaches iot.telemetry.enriched: it is a valid
/// reading, only too late for its aggregate). A device that goes quiet has its windows emitted on the processor's wall
/// clock, Grace after its time would have passed their end. Taps the telemetry chain without changing it.
/// </summary>
public sealed class WindowModule(IOptions<WindowOptions> options) : ITopologyModule
{
    public const string ModuleName = "window";
    public const string StoreName = "window-open";

    public string Name => ModuleName;

    public ModuleDescription Describe(KafkaTopics topics) => new([], [topics.TelemetryAgg1m, topics.Rejected], [StoreName]);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var o = options.Value;
        // Writes wait as objects in the write-behind layer and reach RocksDB and the changelog once per key per commit,
        // when Streamiz flushes the store before it commits the offsets: a record costs no serialisation of the
        // device's entry (issue 17). Streamiz's own cache would only do the same again, on serialised bytes.
        var store = WriteBehindStoreBuilder.KeyValue(
            Stores.KeyValueStoreBuilder(Stores.PersistentKeyValueStore(StoreName), new StringSerDes(), new StateSerDes<DeviceWindows>())
                .WithLoggingEnabled(null),
            StringComparer.Ordinal);
        var metrics = context.Metrics;
        // The wall-clock tick that closes quiet devices' windows: every second, not faster than commits are made.
        var tick = context.CommitInterval > TimeSpan.FromSeconds(1) ? context.CommitInterval : TimeSpan.FromSeconds(1);
        var routed = context.Telemetry.Transform(
            FactoryTransformer<string, EnrichedTelemetry, string, Routed<MetricAggregate>>.Supplier(
                () => new WindowTransformer(StoreName, o, metrics, tick), store));
        context.Produce(context.SplitRejections(routed), context.Topics.TelemetryAgg1m, a => a.LastTsMs);
    }
}
