using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>
/// iot.devices -> iot.devices: one row per registry change (the table keeps the latest by updated_at).
/// Token hashes and certificate thumbprints stay in Kafka: analysts have no use for them.
/// </summary>
public sealed class DeviceMapping : ITableMapping<DeviceRecord>
{
    public string Table => "devices";

    public IReadOnlyList<string> Columns { get; } = ["device_id", "attributes", "created_at", "revoked", "updated_at"];

    public void AppendRows(DeviceRecord message, List<object[]> rows)
    {
        // Older records carry no updated_ts_ms: the latest change they know of is the revocation or the creation.
        var updated = message.UpdatedTsMs != 0 ? message.UpdatedTsMs : Math.Max(message.CreatedTsMs, message.RevokedTsMs);
        rows.Add([
            message.DeviceId,
            new Dictionary<string, string>(message.Attributes),
            Timestamps.FromUnixMs(message.CreatedTsMs, "created_ts_ms"),
            message.Revoked,
            Timestamps.FromUnixMs(updated, "updated_ts_ms"),
        ]);
    }

    public string DeviceIdOf(DeviceRecord message) => message.DeviceId;
}
