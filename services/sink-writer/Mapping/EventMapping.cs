using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>iot.events.raw -> iot.events: one row per event; the body is stored verbatim.</summary>
public sealed class EventMapping : ITableMapping<DeviceEvent>
{
    /// <summary>The table's default for source, used when the record names none.</summary>
    public const string DefaultSource = "mqtt";

    public string Table => "events";

    public IReadOnlyList<string> Columns { get; } = ["device_id", "ts", "received_at", "body", "source"];

    public void AppendRows(DeviceEvent message, List<object[]> rows) =>
        rows.Add([
            message.DeviceId,
            Timestamps.FromUnixMs(message.DeviceTsMs, "device_ts_ms"),
            Timestamps.FromUnixMs(message.ReceivedTsMs, "received_ts_ms"),
            message.BodyJson,
            string.IsNullOrEmpty(message.Source) ? DefaultSource : message.Source,
        ]);

    public string DeviceIdOf(DeviceEvent message) => message.DeviceId;
}
