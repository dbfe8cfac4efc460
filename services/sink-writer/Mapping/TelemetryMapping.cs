using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>iot.telemetry.enriched -> iot.telemetry: one row per metric value.</summary>
public sealed class TelemetryMapping : ITableMapping<EnrichedTelemetry>
{
    /// <summary>The attribute that also has its own column (dashboards group by it).</summary>
    public const string SiteAttribute = "site";

    public string Table => "telemetry";

    public IReadOnlyList<string> Columns { get; } = ["device_id", "metric", "ts", "value", "seq", "received_at", "site", "attributes"];

    public void AppendRows(EnrichedTelemetry message, List<object[]> rows)
    {
        var record = message.Record
            ?? throw new RowMappingException(RejectedMessage.Types.Reason.MalformedPayload, "EnrichedTelemetry has no record.");
        if (record.Metrics.Count == 0)
            return;
        // Boxed once per record and shared by its rows (boxes are immutable): fewer allocations per metric value.
        object ts = Timestamps.FromUnixMs(record.DeviceTsMs, "device_ts_ms");
        object receivedAt = Timestamps.FromUnixMs(record.ReceivedTsMs, "received_ts_ms");
        object seq = record.HasSeq ? record.Seq : null!;
        var site = message.Attributes.TryGetValue(SiteAttribute, out var s) ? s : "";
        // One dictionary shared by the record's rows; it is never changed after this point.
        var attributes = new Dictionary<string, string>(message.Attributes.Count);
        foreach (var (key, value) in message.Attributes)
            if (key != SiteAttribute)
                attributes[key] = value;
        // MapField keeps the order of the wire, so the same record always gives the same rows in the same order.
        foreach (var (metric, value) in record.Metrics)
            rows.Add([record.DeviceId, metric, ts, value, seq, receivedAt, site, attributes]);
    }

    public string DeviceIdOf(EnrichedTelemetry message) => message.Record?.DeviceId ?? "";
}
