namespace Pipeline.Cli.Status;

/// <summary>What `status` shows for each stage, computed from two scrapes of its /metrics.</summary>
public sealed record StageStatus(string Stage, bool Up, double InPerSecond, double OutPerSecond, string Rejects, string Lag, string Errors, string Notes);

public static class PipelineStatus
{
    public static StageStatus Bridge(MetricsSample before, MetricsSample now, string name = "mqtt-bridge") => Stage(name, before, now,
        "mqtt_bridge_messages_in_total", "mqtt_bridge_messages_accepted_total",
        Rejects(now, "mqtt_bridge_rejects_total"),
        lag: $"buffer {now.Sum("mqtt_bridge_buffer_bytes") / 1024:0} KiB",
        errors: Count(now, ("delivery failures", "mqtt_bridge_delivery_failures_total"), ("oversized packets", "mqtt_bridge_oversized_packets_total")),
        notes: $"{now.Sum("mqtt_bridge_connections"):0} connections, refused connects {now.Sum("mqtt_bridge_connects_refused_total"):0}");

    public static StageStatus Rules(MetricsSample before, MetricsSample now, string name = "rules-processor") => Stage(name, before, now,
        "rules_records_in_total", "rules_records_out_total",
        Rejects(now, "rules_rejected_total"),
        lag: Average(now, "rules_end_to_end_lag_seconds", "output", "iot.telemetry.enriched") is { } avg ? $"device->out avg {avg:0.0} s" : "",
        errors: Count(now, ("unreadable registry records", "rules_registry_unreadable_total")),
        notes: $"dedupe hits {now.Sum("rules_dedupe_hits_total"):0}, late {now.Sum("rules_late_records_total"):0}",
        inFilter: l => l.GetValueOrDefault("module") == "source",
        outFilter: l => l.GetValueOrDefault("module") == "source");

    public static StageStatus Sink(MetricsSample before, MetricsSample now, string name = "sink-writer") => Stage(name, before, now,
        "sink_rows_written_total", "sink_rows_written_total",
        Rejects(now, "sink_rejected_total"),
        lag: $"{now.Sum("sink_consumer_lag"):0} records",
        errors: Count(now, ("insert retries", "sink_insert_retries_total")),
        notes: string.Join(", ", now.By("sink_rows_written_total", "table").Select(t => $"{t.Label} {t.Value:0}")));

    /// <summary>
    /// HAProxy in front of the bridges (its Prometheus exporter): new device connections per second in, connections
    /// open now, and how many bridges each public listener can reach.
    /// </summary>
    public static StageStatus Balancer(MetricsSample before, MetricsSample now)
    {
        static bool Public(IReadOnlyDictionary<string, string> l) => l.GetValueOrDefault("proxy") is { } p && p != "balancer-http";
        int Servers(string proxy) => now.All.Where(s => s.Name == "haproxy_server_status" && s.Labels.GetValueOrDefault("proxy") == proxy)
            .Select(s => s.Labels.GetValueOrDefault("server")).Distinct().Count();
        var bridgesUp = string.Join(", ", now.All.Where(s => s.Name == "haproxy_backend_active_servers" && Public(s.Labels))
            .Select(s => $"{s.Labels["proxy"]} {s.Value:0}/{Servers(s.Labels["proxy"])}"));
        return Stage("balancer", before, now, "haproxy_frontend_connections_total", "haproxy_backend_sessions_total", "",
            lag: "", errors: Count(now, ("refused connections", "haproxy_frontend_denied_connections_total")),
            notes: $"{now.Sum("haproxy_frontend_current_sessions", Public):0} connections, bridges up: {bridgesUp}",
            inFilter: Public, outFilter: Public);
    }

    private static StageStatus Stage(string name, MetricsSample before, MetricsSample now, string inMetric, string outMetric,
        string rejects, string lag, string errors, string notes,
        Func<IReadOnlyDictionary<string, string>, bool>? inFilter = null, Func<IReadOnlyDictionary<string, string>, bool>? outFilter = null)
    {
        if (now.All.Count == 0)
            return new StageStatus(name, false, 0, 0, "", "", "", "not answering /metrics");
        var seconds = Math.Max(0.001, (now.TakenAt - before.TakenAt).TotalSeconds);
        double Rate(string metric, Func<IReadOnlyDictionary<string, string>, bool>? filter) =>
            before.All.Count == 0 ? 0 : Math.Max(0, now.Sum(metric, filter) - before.Sum(metric, filter)) / seconds;
        return new StageStatus(name, true, Rate(inMetric, inFilter), Rate(outMetric, outFilter), rejects, lag, errors, notes);
    }

    private static string Rejects(MetricsSample sample, string metric) =>
        string.Join(", ", sample.By(metric, "reason").Where(r => r.Value > 0).OrderByDescending(r => r.Value).Select(r => $"{r.Label} {r.Value:0}"));

    private static string Count(MetricsSample sample, params (string Label, string Metric)[] counters) =>
        string.Join(", ", counters.Select(c => (c.Label, Value: sample.Sum(c.Metric))).Where(c => c.Value > 0).Select(c => $"{c.Label} {c.Value:0}"));

    private static double? Average(MetricsSample sample, string histogram, string label, string value)
    {
        var count = sample.Sum(histogram + "_count", l => l.GetValueOrDefault(label) == value);
        return count == 0 ? null : sample.Sum(histogram + "_sum", l => l.GetValueOrDefault(label) == value) / count;
    }
}
