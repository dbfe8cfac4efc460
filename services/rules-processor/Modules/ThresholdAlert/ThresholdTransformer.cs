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
/// <remarks>
/// A replayed reading (after a crash) is not counted again: each run holds the offset of the last reading applied.
/// A run can reach the changelog while its alert does not reach Kafka, so the replay of the reading that raised the
/// alert raises it again: alerts are at-least-once across a crash (an alert is never lost; one can repeat).
/// </remarks>
internal sealed class ThresholdTransformer(string storeName, IReadOnlyList<ThresholdRule> rules)
    : ITransformer<string, EnrichedTelemetry, string, DeviceEvent>
{
    private IKeyValueStore<string, ThresholdRun> _runs = null!;
    private ProcessorContext<string, DeviceEvent> _context = null!;

    /// <summary>
    /// Each run as last read from or written to the store, so a reading costs no store read and no parse (issue 17).
    /// This transformer is the store's only writer; filled on records only, which Streamiz processes once the store
    /// is restored (it restores after <see cref="Init"/>).
    /// </summary>
    private Dictionary<string, ThresholdRun> _live = new(StringComparer.Ordinal);

    private const int LiveLimit = 200_000;

    public void Init(ProcessorContext<string, DeviceEvent> context)
    {
        _context = context;
        _runs = (IKeyValueStore<string, ThresholdRun>)context.GetStateStore(storeName);
        _live = new(StringComparer.Ordinal);
    }

    public Record<string, DeviceEvent> Process(Record<string, EnrichedTelemetry> record)
    {
        var telemetry = record.Value.Record;
        var self = record.TopicPartitionOffset.Offset.Value + 1; // 0 is "never applied"
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (!telemetry.Metrics.TryGetValue(rule.Metric, out var value))
                continue;
            // The rule index is part of the key: two rules on one metric keep separate runs.
            var key = $"{record.Key}\u0000{rule.Metric}\u0000{i}";
            if (!_live.TryGetValue(key, out var run))
            {
                if (_live.Count >= LiveLimit)
                    _live.Clear();
                _live[key] = run = _runs.Get(key) ?? new ThresholdRun();
            }
            if (self <= run.AppliedOffset)
            {
                if (run.AlertedOffset == self)
                    _context.Forward(record.Key, Alert(telemetry, rule, value, record.Value.Attributes));
                continue;
            }
            if (value > rule.Above)
            {
                run.Consecutive++;
                run.AppliedOffset = self;
                if (run.Consecutive >= rule.Consecutive && !run.Alerted)
                {
                    run.Alerted = true;
                    run.AlertedOffset = self;
                    _context.Forward(record.Key, Alert(telemetry, rule, value, record.Value.Attributes));
                }
                _runs.Put(key, run);
            }
            else if (run.Consecutive > 0)
            {
                // Reset, not deleted: the offset stays, so a replay of the readings before this one does not count them again.
                _runs.Put(key, _live[key] = new ThresholdRun { AppliedOffset = self });
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
