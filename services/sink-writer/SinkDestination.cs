using Pipeline.Contracts;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter;

/// <summary>One destination table, the topic that feeds it, and how its records become rows. One consumer group each.</summary>
internal sealed record SinkDestination(string Name, Func<KafkaTopics, string> Topic, IRecordConverter Converter)
{
    public static IReadOnlyList<SinkDestination> All { get; } =
    [
        new("telemetry", t => t.TelemetryEnriched, new RecordConverter<EnrichedTelemetry>(new TelemetryMapping())),
        new("telemetry_1m", t => t.TelemetryAgg1m, new RecordConverter<MetricAggregate>(new AggregateMapping())),
        new("events", t => t.EventsRaw, new RecordConverter<DeviceEvent>(new EventMapping())),
        new("rejected", t => t.Rejected, new RecordConverter<RejectedMessage>(new RejectedMapping())),
        // iot.devices is compacted: a tombstone removes a device from the registry; the table keeps its history.
        new("devices", t => t.Devices, new RecordConverter<DeviceRecord>(new DeviceMapping(), tombstonesAllowed: true)),
        // iot.shadows is compacted too; each accepted change is a record, and a tombstone only tidies the topic.
        new("shadow_history", t => t.Shadows, new RecordConverter<ShadowDocument>(new ShadowHistoryMapping(), tombstonesAllowed: true)),
        new("connectivity", t => t.Connectivity, new RecordConverter<ConnectivityEvent>(new ConnectivityMapping())),
        // Rows of the rules' clickhouse actions (JSON envelopes), into the tables the rules name.
        new("rule_rows", t => t.RuleRows, new RuleRowConverter()),
    ];
}
