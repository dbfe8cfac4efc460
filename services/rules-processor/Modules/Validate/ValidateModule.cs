using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Modules.Enrich;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net;

namespace Pipeline.RulesProcessor.Modules.Validate;

/// <summary>
/// Refuses telemetry that breaks a rule: too many metrics, metric names the storage cannot take as they are,
/// non-finite values, device times too far from the receive time, configured ranges and, per device model,
/// required metrics. Refused records go to iot.rejected with the reason; the rest go on.
/// </summary>
public sealed class ValidateModule(IOptions<ValidateOptions> options) : ITopologyModule
{
    public const string ModuleName = "validate";

    public string Name => ModuleName;

    private bool NeedsModel => options.Value.RequiredMetrics.Count > 0;

    public ModuleDescription Describe(KafkaTopics topics) =>
        new(NeedsModel ? [topics.Devices] : [], [topics.Rejected], []);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var o = options.Value;
        var validator = new TelemetryValidator(o);
        var modelAttribute = o.ModelAttribute;
        var telemetry = context.Telemetry;
        if (NeedsModel)
        {
            // The model comes from the registry; records that enrich already joined carry it themselves.
            telemetry = telemetry.LeftJoin(context.Devices, (key, _) => key, (t, device) =>
            {
                if (!t.Attributes.ContainsKey(modelAttribute) && EnrichModule.AttributesOf(t.Record, device)?.TryGetValue(modelAttribute, out var m) == true)
                    t.Attributes[modelAttribute] = m;
                return t;
            });
        }
        var routed = telemetry.MapValues((t, _) =>
        {
            var model = t.Attributes.TryGetValue(modelAttribute, out var m) ? m : null;
            return validator.Check(t.Record, model) is { } failure
                ? Routed<EnrichedTelemetry>.Reject(Rejections.Of(t.Record, failure.Reason, failure.Detail))
                : Routed<EnrichedTelemetry>.Pass(t);
        });
        context.Telemetry = context.SplitRejections(routed);
    }
}
