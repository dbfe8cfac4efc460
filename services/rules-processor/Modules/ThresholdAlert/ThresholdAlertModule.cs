using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.State;
using Pipeline.RulesProcessor.Topology;
using Pipeline.RulesProcessor.Topology.WriteBehind;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Modules.ThresholdAlert;

/// <summary>
/// The worked example of docs/topologies.md: N consecutive readings of a metric above a limit raise one
/// alert, a <see cref="DeviceEvent"/> with source "threshold-alert" on iot.events.raw (stored as an event row).
/// </summary>
public sealed class ThresholdAlertModule(IOptions<ThresholdAlertOptions> options) : ITopologyModule
{
    public const string ModuleName = "threshold-alert";
    public const string StoreName = "threshold-alert-runs";

    public string Name => ModuleName;

    public ModuleDescription Describe(KafkaTopics topics) => new([], [topics.EventsRaw], [StoreName]);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var rules = options.Value.Rules.ToList();
        // Writes wait as objects in the write-behind layer and reach RocksDB and the changelog once per key per commit,
        // when Streamiz flushes the store before it commits the offsets: a reading above the limit costs no
        // serialisation (issue 17). Streamiz's own cache would only do the same again, on serialised bytes.
        var store = WriteBehindStoreBuilder.KeyValue(
            Stores.KeyValueStoreBuilder(Stores.PersistentKeyValueStore(StoreName), new StringSerDes(), new StateSerDes<ThresholdRun>())
                .WithLoggingEnabled(null),
            StringComparer.Ordinal);
        var alerts = context.Telemetry.Transform(
            FactoryTransformer<string, EnrichedTelemetry, string, DeviceEvent>.Supplier(
                () => new ThresholdTransformer(StoreName, rules), store));
        context.Produce(alerts, context.Topics.EventsRaw, e => e.DeviceTsMs);
    }
}
