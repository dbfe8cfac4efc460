using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>iot.rejected -> iot.rejected: one row per refusal; reason as its .proto name (e.g. STORAGE_REFUSED).</summary>
public sealed class RejectedMapping : ITableMapping<RejectedMessage>
{
    public string Table => "rejected";

    public IReadOnlyList<string> Columns { get; } = ["received_at", "device_id", "topic", "reason", "detail", "stage", "payload"];

    public void AppendRows(RejectedMessage message, List<object[]> rows) =>
        rows.Add([
            Timestamps.FromUnixMs(message.ReceivedTsMs, "received_ts_ms"),
            message.DeviceId,
            message.Topic,
            ReasonName(message.Reason),
            message.Detail,
            message.Stage,
            message.Payload.ToByteArray(), // kept as the raw bytes: ClickHouse String holds any bytes
        ]);

    public string DeviceIdOf(RejectedMessage message) => message.DeviceId;

    /// <summary>The enum value's name in the .proto (what operators grep for); the number for a value newer than this build.</summary>
    public static string ReasonName(RejectedMessage.Types.Reason reason) =>
        RejectedMessage.Descriptor.EnumTypes[0].FindValueByNumber((int)reason)?.Name ?? ((int)reason).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
