using ClickHouse.Driver.ADO;
using Pipeline.ServiceDefaults;

namespace Pipeline.Cli.Devices;

/// <summary>Reads the facts <see cref="PresenceRule"/> needs from iot.connectivity, as the read-only analyst.</summary>
public static class ConnectivityReader
{
    // Per device: the latest connect (its connection id and instance) and whether a disconnect with that id exists.
    private const string DevicesSql = """
        SELECT device_id, cid, inst, connected_at, last_seen,
               cid IN (SELECT connection_id FROM iot.connectivity WHERE event = 'disconnect') AS ended
        FROM (
            SELECT device_id,
                   argMaxIf(connection_id, ts, event = 'connect') AS cid,
                   argMaxIf(instance, ts, event = 'connect') AS inst,
                   toUnixTimestamp64Milli(maxIf(ts, event = 'connect')) AS connected_at,
                   toUnixTimestamp64Milli(max(ts)) AS last_seen
            FROM iot.connectivity WHERE device_id != '' GROUP BY device_id)
        """;

    private const string InstancesSql = """
        SELECT instance,
               toUnixTimestamp64Milli(maxIf(ts, event = 'instance_started')) AS last_start,
               countIf(event = 'instance_started') AS starts,
               toUnixTimestamp64Milli(maxIf(ts, event = 'instance_stopped')) AS last_stop,
               countIf(event = 'instance_stopped') AS stops,
               toUnixTimestamp64Milli(max(ts)) AS last_event,
               argMax(heartbeat_interval_ms, ts) AS heartbeat_ms
        FROM iot.connectivity WHERE device_id = '' GROUP BY instance
        """;

    public static async Task<(IReadOnlyDictionary<string, DeviceConnectivity> Devices, IReadOnlyDictionary<string, InstanceLiveness> Instances)> ReadAsync(
        ClickHouseOptions options, CancellationToken cancellationToken)
    {
        await using var connection = new ClickHouseConnection(options.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var devices = new Dictionary<string, DeviceConnectivity>(StringComparer.Ordinal);
        await ReadRowsAsync(connection, DevicesSql, r =>
        {
            var id = r.GetString(0);
            var connectedAt = Convert.ToInt64(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture);
            var ended = Convert.ToBoolean(r.GetValue(5), System.Globalization.CultureInfo.InvariantCulture);
            devices[id] = new DeviceConnectivity(id, r.GetString(1), r.GetString(2),
                r.GetString(1).Length > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(connectedAt) : null, ended, Ms(r.GetValue(4)));
        }, cancellationToken);
        var instances = new Dictionary<string, InstanceLiveness>(StringComparer.Ordinal);
        await ReadRowsAsync(connection, InstancesSql, r =>
        {
            var id = r.GetString(0);
            instances[id] = new InstanceLiveness(id,
                Count(r.GetValue(2)) > 0 ? Ms(r.GetValue(1)) : null,
                Count(r.GetValue(4)) > 0 ? Ms(r.GetValue(3)) : null,
                Ms(r.GetValue(5)),
                TimeSpan.FromMilliseconds(Count(r.GetValue(6))));
        }, cancellationToken);
        return (devices, instances);
    }

    private static async Task ReadRowsAsync(ClickHouseConnection connection, string sql, Action<System.Data.Common.DbDataReader> row, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            row(reader);
    }

    private static long Count(object value) => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset Ms(object value) => DateTimeOffset.FromUnixTimeMilliseconds(Count(value));
}
