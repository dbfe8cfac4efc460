using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Replay;
using Pipeline.RulesProcessor.Serialization;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net.Table;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// What a module gets while it builds: the telemetry chain, topic names, serdes with the schema ids
/// resolved at start, the shared device-registry table, the rejected-topic sink and the metrics.
/// </summary>
public sealed class ModuleContext(StreamBuilder builder, KafkaTopics topics, ISchemaCatalog schemas, RulesMetrics metrics)
{
    private const string ReplayGuardPrefix = "source-offsets-";

    private IGlobalKTable<string, DeviceRecord>? _devices;

    public KafkaTopics Topics { get; } = topics;

    public RulesMetrics Metrics { get; } = metrics;

    public ISchemaCatalog Schemas { get; } = schemas;

    /// <summary>Key serde: the device id as UTF-8.</summary>
    public ISerDes<string> Keys { get; } = new StringSerDes();

    /// <summary>
    /// The telemetry chain: keyed by device id, read from iot.telemetry.raw, attributes empty until enrich
    /// has run. A module that filters or transforms telemetry replaces it; what is left after the last
    /// module is written to iot.telemetry.enriched.
    /// </summary>
    public required IKStream<string, EnrichedTelemetry> Telemetry { get; set; }

    /// <summary>The processing guarantee the stream runs with.</summary>
    public ProcessingMode Guarantee { get; init; } = ProcessingMode.ExactlyOnce;

    /// <summary>Kafka:LogIncarnation: the replay guard keeps offsets per incarnation of the logs.</summary>
    public string LogIncarnation { get; init; } = "";

    /// <summary>Rules:CommitInterval: the replay guard's offsets lag the processing by a few of these.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>What a restarted task reads to tell which replayed records already have their output (none under the test driver).</summary>
    public IOutputLedgerSource OutputLedgers { get; init; } = NoOutputLedger.Instance;

    /// <summary>The module being built (set by the processor; used as the metrics label).</summary>
    public string Module { get; internal set; } = "";

    /// <summary>
    /// Reads a topic of contract records keyed by device id; a value that cannot be read comes as a
    /// <see cref="Decoded{T}"/> with its error instead of stopping the stream, a missing key as "".
    /// Under exactly-once, records whose outputs a previous run already committed are skipped
    /// (<see cref="ReplayGuardTransformer{V}"/>): list <see cref="ReplayGuardStore"/>(topic) among the
    /// module's state stores.
    /// </summary>
    /// Streamiz takes one source per topic: modules that read the same topic (the shadow writer and the rules on
    /// shadow updates) share the one stream this returns for it.
    public IKStream<string, Decoded<T>> Stream<T>(string topic) where T : class, IMessage<T>, new()
    {
        if (_sources.TryGetValue(topic, out var existing))
            return existing as IKStream<string, Decoded<T>>
                ?? throw new InvalidOperationException($"Topic {topic} is read as {existing.GetType().Name} by another module, not as {typeof(T).Name}.");
        var source = Source<T>(topic);
        _sources[topic] = source;
        return source;
    }

    private readonly Dictionary<string, object> _sources = new(StringComparer.Ordinal);

    private IKStream<string, Decoded<T>> Source<T>(string topic) where T : class, IMessage<T>, new()
    {
        var stream = builder.Stream(topic, Keys, new DecodingSerDes<T>(Schemas));
        if (Guarantee != ProcessingMode.ExactlyOnce)
            return stream;
        var store = ReplayGuardStore(topic);
        // Uncached: the guard writes on a processing-time tick, and Streamiz flushes a cache only at a commit, which it
        // makes only after records were processed, so at a quiet moment a cached offset never reached the changelog.
        var offsets = Stores.KeyValueStoreBuilder(Stores.PersistentKeyValueStore(store), new StringSerDes(), new Int64SerDes())
            .WithLoggingEnabled(null);
        var guardMetrics = Metrics;
        var (incarnation, commitInterval) = (LogIncarnation, CommitInterval);
        // A stateful transformer drops records with a null key unseen, so keyless records get "" (for the module to reject).
        return stream.Map((key, value, _) => KeyValuePair.Create(key ?? "", value))
            .Transform(FactoryTransformer<string, Decoded<T>, string, Decoded<T>>.Supplier(
                () => new ReplayGuardTransformer<Decoded<T>>(store, guardMetrics, incarnation, commitInterval), offsets));
    }

    /// <summary>The state store <see cref="Stream{T}"/> keeps the processed offsets of <paramref name="topic"/> in.</summary>
    public static string ReplayGuardStore(string topic) => ReplayGuardPrefix + topic;

    internal static bool IsReplayGuardStore(string store) => store.StartsWith(ReplayGuardPrefix, StringComparison.Ordinal);

    /// <summary>A serde that writes <typeparamref name="T"/> with the schema id registered for <paramref name="topic"/>.</summary>
    public ISerDes<T> ValuesFor<T>(string topic) where T : class, IMessage<T>, new() =>
        new ProtobufSerDes<T>(Schemas.SchemaIdFor(topic));

    /// <summary>
    /// The device registry (iot.devices) as a global table shared by every module that asks; a tombstone
    /// deletes a device; a registry record that cannot be read counts as absent.
    /// </summary>
    public IGlobalKTable<string, DeviceRecord> Devices =>
        _devices ??= builder.GlobalTable(Topics.Devices, Keys, new RegistryRecordSerDes(Schemas, Metrics),
            InMemory.As<string, DeviceRecord>("devices-global-store"));

    /// <summary>Writes rejections to the rejected topic, once per input record also across a crash, and counts them by reason.</summary>
    public void Reject(IKStream<string, RejectedMessage> rejections)
    {
        var metrics = Metrics;
        WriteOnce(rejections.Peek((_, r, _) => metrics.Rejected(r.Reason)), Topics.Rejected)
            .ToTopic(Topics.Rejected, Keys, ValuesFor<RejectedMessage>(Topics.Rejected));
    }

    /// <summary>
    /// Stamps each record with its input position and, after a crash, drops the ones whose output the previous run
    /// already wrote to <paramref name="topic"/>. For outputs of which an input record makes at most one: a replayed
    /// input record then comes out once, whatever the state stores remembered of it (<see cref="WriteOnceTransformer{V}"/>).
    /// <paramref name="keyedLikeInput"/>: keyed by the device id, as the input; otherwise every partition is read at a restart.
    /// </summary>
    public IKStream<string, T> WriteOnce<T>(IKStream<string, T> stream, string topic, bool keyedLikeInput = true)
    {
        var (ledgers, metrics) = (OutputLedgers, Metrics);
        return stream.Transform(FactoryTransformer<string, T, string, T>.Supplier(() => new WriteOnceTransformer<T>(topic, keyedLikeInput, ledgers, metrics)));
    }

    /// <summary>Sends the rejections of a routed stream to the rejected topic and returns the records that passed.</summary>
    public IKStream<string, T> SplitRejections<T>(IKStream<string, Routed<T>> routed) where T : class
    {
        // One branch node instead of two filters: every node a record passes costs (see docs/topologies.md, Performance).
        var branches = routed.Branch((_, r, _) => r.Rejection is not null, (_, _, _) => true);
        Reject(branches[0].MapValues((r, _) => r.Rejection!));
        return branches[1].MapValues((r, _) => r.Value!);
    }

    /// <summary>Writes a module's output to <paramref name="topic"/>, counting it as the module's output and its lag.</summary>
    public void Produce<T>(IKStream<string, T> stream, string topic, Func<T, long> deviceTsMs) where T : class, IMessage<T>, new() =>
        Produce(stream, topic, deviceTsMs, null);

    /// <summary><see cref="Produce{T}(IKStream{string, T}, string, Func{T, long})"/>, running <paramref name="beforeWrite"/> in the same node.</summary>
    internal void Produce<T>(IKStream<string, T> stream, string topic, Func<T, long> deviceTsMs, Action<T>? beforeWrite)
        where T : class, IMessage<T>, new()
    {
        // Bound once: this node runs for every record written.
        var (output, lag) = (Metrics.OutCounter(Module), Metrics.LagOf(topic));
        stream
            .Peek((_, v, _) =>
            {
                beforeWrite?.Invoke(v);
                output.Inc();
                lag.Observe(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - deviceTsMs(v)) / 1000.0);
            })
            .ToTopic(topic, Keys, ValuesFor<T>(topic));
    }
}
