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
        // Entries sit in window-long buckets (see DedupeTransformer); keep three buckets, in segments of one bucket.
        var bucket = (long)window.TotalMilliseconds;
        var store = Stores.WindowStoreBuilder(
                Stores.PersistentWindowStore(StoreName, 3 * window, window, bucket),
                new StringSerDes(), new Int64SerDes())
            // No caching: every (device, seq) is a new key, so a cache saves no writes, and it held the
            // entries back until the next commit while the records themselves went on at once. After a
            // kill -9 (at-least-once) the records since the last commit were replayed with their entries
            // lost and stored twice (~1% of a kill test's values). Uncached, the changelog entry is sent
            // before the record it lets through.
            .WithLoggingEnabled(null);
        var metrics = context.Metrics;
        context.Telemetry = context.Telemetry.Transform(
            FactoryTransformer<string, EnrichedTelemetry, string, EnrichedTelemetry>.Supplier(
                () => new DedupeTransformer(StoreName, window, metrics), store));
    }
}
