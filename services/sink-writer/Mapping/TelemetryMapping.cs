using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>iot.telemetry.enriched -> iot.telemetry: one row per metric value.</summary>
public sealed class TelemetryMapping : ITableMapping<EnrichedTelemetry>
{
    /// <summary>The attribute that also has its own column (dashboards group by it).</summary>
    public const string SiteAttribute = "site";

    private readonly StringPool _strings = new();

    /// <summary>The attributes of the last record mapped on this thread: consecutive records mostly carry the same set.</summary>
    [ThreadStatic]
    private static Dictionary<string, string>? _lastAttributes;

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
        var site = message.Attributes.TryGetValue(SiteAttribute, out var s) ? _strings.Intern(s) : "";
        var attributes = AttributesOf(message);
        var deviceId = _strings.Intern(record.DeviceId);
        // MapField keeps the order of the wire, so the same record always gives the same rows in the same order.
        foreach (var (metric, value) in record.Metrics)
            rows.Add([deviceId, _strings.Intern(metric), ts, value, seq, receivedAt, site, attributes]);
    }

    /// <summary>
    /// The attributes other than site, as one dictionary shared by the record's rows (and by the next records' while
    /// they carry the same set); it is never changed once made.
    /// </summary>
    private Dictionary<string, string> AttributesOf(EnrichedTelemetry message)
    {
        var others = message.Attributes.Count - (message.Attributes.ContainsKey(SiteAttribute) ? 1 : 0);
        if (_lastAttributes is { } last && last.Count == others && SameAttributes(message, last))
            return last;
        var attributes = new Dictionary<string, string>(others);
        foreach (var (key, value) in message.Attributes)
            if (key != SiteAttribute)
                attributes[_strings.Intern(key)] = _strings.Intern(value);
        return _lastAttributes = attributes;
    }

    /// <summary>Same keys and values in the same order (the order the map column is written in).</summary>
    private static bool SameAttributes(EnrichedTelemetry message, Dictionary<string, string> last)
    {
        using var kept = last.GetEnumerator();
        foreach (var (key, value) in message.Attributes)
        {
            if (key == SiteAttribute)
                continue;
            if (!kept.MoveNext() || kept.Current.Key != key || kept.Current.Value != value)
                return false;
        }
        return true;
    }

    public string DeviceIdOf(EnrichedTelemetry message) => message.Record?.DeviceId ?? "";
}
