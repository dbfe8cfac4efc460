using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>
/// iot.shadows -> iot.shadow_history: one row per accepted shadow change, the document as it was after it.
/// A delete is a change too: its row has the version the shadow had and an empty document.
/// The shadow's timestamp is epoch seconds (AWS IoT's unit); ts keeps it at millisecond precision.
/// </summary>
public sealed class ShadowHistoryMapping : ITableMapping<ShadowDocument>
{
    public string Table => "shadow_history";

    public IReadOnlyList<string> Columns { get; } = ["device_id", "name", "version", "document", "ts"];

    public void AppendRows(ShadowDocument message, List<object[]> rows)
    {
        if (string.IsNullOrEmpty(message.DeviceId))
            throw new RowMappingException(RejectedMessage.Types.Reason.ValidationFailed, "shadow document without device_id");
        if (message.Version < 0)
            throw new RowMappingException(RejectedMessage.Types.Reason.ValidationFailed, $"negative shadow version {message.Version}");
        rows.Add([
            message.DeviceId,
            message.ShadowName,
            (ulong)message.Version,
            message.Deleted ? "" : message.DocumentJson,
            // Seconds beyond what milliseconds can hold are out of DateTime64's range anyway: let the range check say so.
            Timestamps.FromUnixMs(Math.Abs(message.Timestamp) > long.MaxValue / 1000 ? long.MaxValue : message.Timestamp * 1000, "timestamp"),
        ]);
    }

    public string DeviceIdOf(ShadowDocument message) => message.DeviceId;
}
