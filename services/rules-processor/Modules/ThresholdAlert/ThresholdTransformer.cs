using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.State;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Modules.ThresholdAlert;

/// <summary>
/// Counts, per device and rule, the readings above the limit in a row; at the N-th it raises one alert,
/// and stays quiet until a reading at or below the limit re-arms the rule. The counts live in a
/// persistent store with a changelog, so a restart neither forgets a run nor alerts twice.
/// </summary>
internal sealed class ThresholdTransformer(string storeName, IReadOnlyList<ThresholdRule> rules)
    : ITransformer<string, EnrichedTelemetry, string, DeviceEvent>
{
    private IKeyValueStore<string, ThresholdRun> _runs = null!;
    private ProcessorContext<string, DeviceEvent> _context = null!;

    public void Init(ProcessorContext<string, DeviceEvent> context)
    {
        _context = context;
        _runs = (IKeyValueStore<string, ThresholdRun>)context.GetStateStore(storeName);
    }

    public Record<string, DeviceEvent> Process(Record<string, EnrichedTelemetry> record)
    {
        var telemetry = record.Value.Record;
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (!telemetry.Metrics.TryGetValue(rule.Metric, out var value))
                continue;
            // The rule index is part of the key: two rules on one metric keep separate runs.
            var key = $"{record.Key}\u0000{rule.Metric}\u0000{i}";
            var run = _runs.Get(key) ?? new ThresholdRun();
            if (value > rule.Above)
            {
                run.Consecutive++;
                if (run.Consecutive >= rule.Consecutive && !run.Alerted)
                {
                    run.Alerted = true;
                    _context.Forward(record.Key, Alert(telemetry, rule, value, record.Value.Attributes));
                }
                _runs.Put(key, run);
            }
            else if (run.Consecutive > 0)
            {
                _runs.Delete(key);
            }
        }
        return null!;
    }

    public void Close()
    {
    }

    private static DeviceEvent Alert(TelemetryRecord telemetry, ThresholdRule rule, double value, IDictionary<string, string> attributes) => new()
    {
        DeviceId = telemetry.DeviceId,
        DeviceTsMs = telemetry.DeviceTsMs,
        ReceivedTsMs = telemetry.ReceivedTsMs,
        Topic = telemetry.Topic,
        BridgeInstance = telemetry.BridgeInstance,
        Source = ThresholdAlertModule.ModuleName,
        BodyJson = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["alert"] = "threshold",
            ["metric"] = rule.Metric,
            ["above"] = rule.Above,
            ["consecutive"] = rule.Consecutive,
            ["value"] = value,
            ["seq"] = telemetry.HasSeq ? telemetry.Seq : null!,
            ["attributes"] = attributes,
        }),
    };
}
