using Pipeline.Contracts;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Modules.Shadow;

/// <summary>
/// The one writer of every device shadow: iot.shadow.requests (keyed by device id, so one partition and one
/// task own a device) applied in order with the AWS IoT semantics of Pipeline.Shadows against a persistent
/// store; documents go to the compacted iot.shadows, device messages to iot.shadow.responses.
/// Independent of the telemetry chain: it neither reads nor replaces <see cref="ModuleContext.Telemetry"/>.
/// </summary>
public sealed class ShadowModule : ITopologyModule
{
    public const string ModuleName = "shadow";
    public const string StoreName = "shadow-documents";

    public string Name => ModuleName;

    // The replay guard's store: under exactly-once a restarted processor must not apply a committed request
    // again (the embedded Kafka keeps no transactional offsets), or a version would be counted twice.
    public ModuleDescription Describe(KafkaTopics topics) =>
        new([topics.ShadowRequests], [topics.Shadows, topics.ShadowResponses], [StoreName, ModuleContext.ReplayGuardStore(topics.ShadowRequests)]);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var topics = context.Topics;
        var store = Stores.KeyValueStoreBuilder(Stores.PersistentKeyValueStore(StoreName), new StringSerDes(), new StringSerDes())
            .WithLoggingEnabled(null);
        var metrics = context.Metrics;
        var module = context.Module;
        var outcomes = context
            .Stream<ShadowRequest>(topics.ShadowRequests)
            .Peek((_, _, _) => metrics.RecordIn(module))
            .Transform(FactoryTransformer<string, Decoded<ShadowRequest>, string, ShadowOutcome>.Supplier(
                () => new ShadowWriter(StoreName, () => DateTimeOffset.UtcNow), store));

        outcomes
            .FlatMapValues((outcome, _) => (IEnumerable<ShadowResponse>)outcome.Responses)
            .ToTopic(topics.ShadowResponses, context.Keys, context.ValuesFor<ShadowResponse>(topics.ShadowResponses));
        var documents = outcomes
            .Filter((_, outcome, _) => outcome.Document is not null)
            .Map((_, outcome, _) => KeyValuePair.Create(ShadowKeys.Document(outcome.Document!.DeviceId, outcome.Document.ShadowName), outcome.Document))
            .Peek((_, _, _) => metrics.RecordOut(module));
        context.WriteOnce(documents, topics.Shadows, keyedLikeInput: false)
            .ToTopic(topics.Shadows, context.Keys, context.ValuesFor<ShadowDocument>(topics.Shadows));
    }
}
