namespace Pipeline.Contracts;

/// <summary>The product's Kafka topics (contract.md). Defaults; each service can override them by configuration.</summary>
public sealed class KafkaTopics
{
    public const string SectionName = "Topics";

    public string TelemetryRaw { get; set; } = "iot.telemetry.raw";
    public string TelemetryEnriched { get; set; } = "iot.telemetry.enriched";
    public string TelemetryAgg1m { get; set; } = "iot.telemetry.agg.1m";
    public string EventsRaw { get; set; } = "iot.events.raw";
    public string Rejected { get; set; } = "iot.rejected";
    public string Devices { get; set; } = "iot.devices";
    public string Commands { get; set; } = "iot.commands";
    public string ShadowRequests { get; set; } = "iot.shadow.requests";
    public string Shadows { get; set; } = "iot.shadows";

    /// <summary>Answers of the shadow writer for devices' shadow topics (accepted/rejected/delta/documents), delivered by the bridge.</summary>
    public string ShadowResponses { get; set; } = "iot.shadow.responses";

    /// <summary>Operator rules (key = rule name, value = the rule as JSON, a tombstone deletes it), compacted.</summary>
    public string Rules { get; set; } = "iot.rules";

    /// <summary>Rows of rules' clickhouse actions (JSON, with the target table), inserted by the sink-writer.</summary>
    public string RuleRows { get; set; } = "iot.rule.rows";

    /// <summary>Requests of rules' http actions (JSON), posted by the processor's webhook dispatcher, at least once.</summary>
    public string RuleHttp { get; set; } = "iot.rule.http";

    /// <summary>
    /// Retained messages the bridge hands a device when it subscribes (key = MQTT topic, value = a DeviceCommand,
    /// a tombstone clears it), compacted and followed by every bridge instance.
    /// </summary>
    public string Retained { get; set; } = "iot.retained";

    /// <summary>
    /// Device connects and disconnects, and each bridge instance's start, heartbeat and stop (ConnectivityEvent;
    /// key = device id, or "bridge/&lt;instance&gt;"). Deliberately NOT compacted although the contract lists
    /// presence as compacted: iot.connectivity keeps one row per event, and compaction could remove a
    /// disconnect the sink has not read yet (a device would then look connected). Analysts derive presence from
    /// the table (latest connect per device); the bridges route by the compacted <see cref="Presence"/>.
    /// </summary>
    public string Connectivity { get; set; } = "iot.connectivity";

    /// <summary>
    /// Where each device is connected now (key = device id, value = JSON: bridge instance, since when, persistent
    /// session and its expiry; a tombstone when it left without a session), and each bridge instance's liveness
    /// (key = "instance/&lt;id&gt;"). Compacted and followed by every bridge instance: it routes commands to the
    /// instance that holds the device and ends a connection another instance took over.
    /// </summary>
    public string Presence { get; set; } = "iot.presence";

    /// <summary>
    /// Devices' persistent sessions (key = device id, value = JSON: subscriptions, session expiry, when the device
    /// left, the QoS 1 commands queued for it; a tombstone when the session ended), compacted. A device resumes its
    /// session at any bridge instance, also after the one it left was killed.
    /// </summary>
    public string Sessions { get; set; } = "iot.sessions";

    /// <summary>Topics whose history is a changelog keyed by id (kept compacted).</summary>
    public IReadOnlyList<string> Compacted => [Devices, Shadows, Rules, Retained, Presence, Sessions];

    public IReadOnlyList<string> All =>
        [TelemetryRaw, TelemetryEnriched, TelemetryAgg1m, EventsRaw, Rejected, Devices, Commands, ShadowRequests, Shadows, ShadowResponses,
         Rules, RuleRows, RuleHttp, Retained, Connectivity, Presence, Sessions];
}
