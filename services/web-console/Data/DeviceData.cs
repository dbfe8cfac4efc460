using System.Globalization;

namespace Pipeline.WebConsole.Data;

public sealed record TelemetryPoint(string Metric, long TsMs, double Value);

public sealed record DeviceEvent(DateTime Ts, string Source, string Body);

public sealed record RejectedRow(DateTime ReceivedAt, string Topic, string Reason, string Detail, string Stage, string Payload);

/// <summary>What the Device page shows from ClickHouse: the last hour's metrics, recent events and the rows refused for the device.</summary>
public sealed class DeviceData(AnalystConnection clickHouse)
{
    public const int RecentRows = 50;

    /// <summary>Points after <paramref name="sinceMs"/> (the chart's newest point) within the last hour, oldest first.</summary>
    public Task<List<TelemetryPoint>> TelemetryAsync(string deviceId, long sinceMs, CancellationToken ct) =>
        clickHouse.ReadAsync("""
            SELECT metric, toUnixTimestamp64Milli(ts) AS ms, value FROM iot.telemetry
            WHERE device_id = {id:String} AND ts > now64(3) - INTERVAL 1 HOUR AND toUnixTimestamp64Milli(ts) > {since:Int64}
            ORDER BY ts LIMIT 20000
            """, new Dictionary<string, object> { ["id"] = deviceId, ["since"] = sinceMs },
            r => new TelemetryPoint(r.GetString(0), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture), Convert.ToDouble(r.GetValue(2), CultureInfo.InvariantCulture)), ct);

    public Task<List<DeviceEvent>> EventsAsync(string deviceId, CancellationToken ct) =>
        clickHouse.ReadAsync($"""
            SELECT ts, source, body FROM iot.events WHERE device_id = {"{id:String}"} ORDER BY ts DESC LIMIT {RecentRows}
            """, new Dictionary<string, object> { ["id"] = deviceId },
            r => new DeviceEvent(r.GetDateTime(0), r.GetString(1), r.GetString(2)), ct);

    public Task<List<RejectedRow>> RejectedAsync(string deviceId, CancellationToken ct) =>
        clickHouse.ReadAsync($"""
            SELECT received_at, topic, reason, detail, stage, payload FROM iot.rejected WHERE device_id = {"{id:String}"}
            ORDER BY received_at DESC LIMIT {RecentRows}
            """, new Dictionary<string, object> { ["id"] = deviceId },
            r => new RejectedRow(r.GetDateTime(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5)), ct);
}
