using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Modules.Dedupe;

/// <summary>
/// Drops a record whose (device id, seq) was already seen within the window (default 10 minutes): a QoS 1
/// resend after a lost PUBACK. Records without seq pass. Dropped records are counted, not rejected.
/// </summary>
public sealed class DedupeModule(IOptions<DedupeOptions> options) : ITopologyModule
{
    public const string ModuleName = "dedupe";
    public const string StoreName = "dedupe-seen";

    public string Name => ModuleName;

    public ModuleDescription Describe(KafkaTopics topics) => new([], [], [StoreName]);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var window = options.Value.Window;
        // Segments of half the window: an entry is dropped at most half a window after it expired.
        var segment = (long)Math.Max(60_000, window.TotalMilliseconds / 2);
        var store = Stores.WindowStoreBuilder(
                Stores.PersistentWindowStore(StoreName, window + TimeSpan.FromMilliseconds(segment), TimeSpan.FromMilliseconds(1), segment),
                new StringSerDes(), new Int64SerDes())
            .WithLoggingEnabled(null);
        var metrics = context.Metrics;
        context.Telemetry = context.Telemetry.Transform(
            FactoryTransformer<string, EnrichedTelemetry, string, EnrichedTelemetry>.Supplier(
                () => new DedupeTransformer(StoreName, window, metrics), store));
    }
}
