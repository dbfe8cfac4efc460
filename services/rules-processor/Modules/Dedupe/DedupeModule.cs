using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.State;
using Pipeline.RulesProcessor.Topology;
using Pipeline.RulesProcessor.Topology.WriteBehind;
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
    /// <summary>
    /// The store of seen (device, seq) pairs, in blocks (<see cref="State.SeenSeqs"/>). Named anew when its values
    /// changed from one pair per key ("dedupe-seen", Int64 values): a restored changelog must hold the format read.
    /// </summary>
    public const string StoreName = "dedupe-seqs";

    public string Name => ModuleName;

    public ModuleDescription Describe(KafkaTopics topics) => new([], [], [StoreName]);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var window = options.Value.Window;
        // Entries sit in window-long buckets (see DedupeTransformer); keep three buckets, in segments of one bucket.
        var bucket = (long)window.TotalMilliseconds;
        var store = WriteBehindStoreBuilder.Window(Stores.WindowStoreBuilder(
                Stores.PersistentWindowStore(StoreName, 3 * window, window, bucket),
                new StringSerDes(), new StateSerDes<SeenSeqs>())
            // No Streamiz cache: the blocks wait in the write-behind layer instead, as objects, and reach RocksDB
            // and the changelog (one record per block changed) when Streamiz flushes the store before it commits the
            // offsets (issue 17). A crash loses only entries of records after the last commit, which are replayed:
            // each passes again (no entry, or its own offset), and the write-once node drops the outputs the
            // previous run already wrote (issue 19).
            .WithLoggingEnabled(null), StringComparer.Ordinal);
        var metrics = context.Metrics;
        context.Telemetry = context.Telemetry.Transform(
            FactoryTransformer<string, EnrichedTelemetry, string, EnrichedTelemetry>.Supplier(
                () => new DedupeTransformer(StoreName, window, metrics), store));
    }
}
