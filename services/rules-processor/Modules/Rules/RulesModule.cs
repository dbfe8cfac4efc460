using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.Stream;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// The operators' rules engine (docs/rules.md): every enabled rule of the <see cref="RuleBook"/> whose FROM matches a
/// record's MQTT topic is evaluated on telemetry (after enrich, so attribute('site') works) and on device events
/// (iot.events.raw) and on shadow update documents (iot.shadow.requests), and its actions are written from here: kafka to the rendered topic, republish as a command on
/// iot.commands, clickhouse rows to iot.rule.rows (inserted by the sink-writer), http requests to iot.rule.http (posted
/// by the webhook dispatcher), failures to the error action or iot.rejected. Taps the telemetry chain: changes nothing on it.
/// </summary>
public sealed class RulesModule(RuleBook book, IOptions<RuleActionOptions> options, IRuleTopicDirectory? topicDirectory = null) : ITopologyModule
{
    public const string ModuleName = "rules";

    public string Name => ModuleName;

    // iot.rules is read by the RuleBookFollower, not the topology; listed so that it is created with the rest.
    public ModuleDescription Describe(KafkaTopics topics) =>
        new([topics.EventsRaw, topics.Rules, topics.ShadowRequests], [topics.Commands, topics.RuleRows, topics.RuleHttp, topics.Rejected],
            [ModuleContext.ReplayGuardStore(topics.EventsRaw), ModuleContext.ReplayGuardStore(topics.ShadowRequests)]);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var (topics, metrics, module) = (context.Topics, context.Metrics, context.Module);
        var engine = new RuleEngine(new RuleActionWriter(topics, options.Value, metrics.Rules, topicDirectory ?? AnyTopicExists.Instance), metrics.Rules);

        var fromTelemetry = context.Telemetry.Transform(FactoryTransformer<string, EnrichedTelemetry, string, RuleOutput>.Supplier(
            () => new RuleEvaluation<EnrichedTelemetry>(book, engine, metrics, module, t => new TelemetrySubject(t))));
        // An event that cannot be read is the sink-writer's to reject (it stores iot.events.raw); rules skip it.
        var fromEvents = context.Stream<DeviceEvent>(topics.EventsRaw).Transform(FactoryTransformer<string, Decoded<DeviceEvent>, string, RuleOutput>.Supplier(
            () => new RuleEvaluation<Decoded<DeviceEvent>>(book, engine, metrics, module, d => d.Value is { } e ? new EventSubject(e) : null)));

        // The shadow writer's stream of iot.shadow.requests, shared (ModuleContext.Stream): rules see the update documents.
        var fromShadowUpdates = context.Stream<ShadowRequest>(topics.ShadowRequests).Transform(FactoryTransformer<string, Decoded<ShadowRequest>, string, RuleOutput>.Supplier(
            () => new RuleEvaluation<Decoded<ShadowRequest>>(book, engine, metrics, module, d => ShadowUpdateSubject.Of(d.Value))));

        var outputs = fromTelemetry.Merge(fromEvents).Merge(fromShadowUpdates).Branch(
            (_, o, _) => o.Kind == RuleOutputKind.Kafka,
            (_, o, _) => o.Kind == RuleOutputKind.Command,
            (_, o, _) => o.Kind == RuleOutputKind.Row,
            (_, o, _) => o.Kind == RuleOutputKind.Http,
            (_, _, _) => true);
        var json = new RuleOutputJsonSerDes();
        outputs[0].To(new OutputTopic(), context.Keys, json, new RecordTime(), partitioner: null);
        // A command is keyed by the device it goes to, which a rule may choose (devices/${...}/commands).
        var commands = outputs[1].Map((_, o, _) => KeyValuePair.Create(o.Command!.DeviceId, o.Command));
        context.WriteOnce(commands, topics.Commands, keyedLikeInput: false)
            .ToTopic(topics.Commands, context.Keys, context.ValuesFor<DeviceCommand>(topics.Commands));
        context.WriteOnce(outputs[2], topics.RuleRows).ToTopic(topics.RuleRows, context.Keys, json);
        context.WriteOnce(outputs[3], topics.RuleHttp).ToTopic(topics.RuleHttp, context.Keys, json);
        context.Reject(outputs[4].MapValues((o, _) => o.Rejection!));
    }

    private sealed class OutputTopic : ITopicNameExtractor<string, RuleOutput>
    {
        public string Extract(string key, RuleOutput value, IRecordContext recordContext) => value.Topic;
    }

    private sealed class RecordTime : IRecordTimestampExtractor<string, RuleOutput>
    {
        public long Extract(string key, RuleOutput value, IRecordContext recordContext) => recordContext.Timestamp;
    }
}
