using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>iot.telemetry.agg.1m -> iot.telemetry_1m: one row per device, metric and minute (site and emitted_at take their defaults).</summary>
public sealed class AggregateMapping : ITableMapping<MetricAggregate>
{
    public string Table => "telemetry_1m";

    public IReadOnlyList<string> Columns { get; } = ["device_id", "metric", "window_start", "count", "min", "max", "sum", "last"];

    public void AppendRows(MetricAggregate message, List<object[]> rows) =>
        rows.Add([
            message.DeviceId, message.Metric, Timestamps.FromUnixMs(message.WindowStartMs, "window_start_ms"),
            message.Count, message.Min, message.Max, message.Sum, message.Last,
        ]);

    public string DeviceIdOf(MetricAggregate message) => message.DeviceId;
}
