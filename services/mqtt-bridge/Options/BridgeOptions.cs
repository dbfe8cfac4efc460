using System.ComponentModel.DataAnnotations;

namespace Pipeline.MqttBridge.Options;

/// <summary>The bridge instance itself. Section "Bridge".</summary>
public sealed class BridgeOptions
{
    public const string SectionName = "Bridge";

    /// <summary>Written into every record (bridge_instance); defaults to host name and process id.</summary>
    [Required(ErrorMessage = "Bridge:InstanceId must name this bridge instance.")]
    [RegularExpression("^[A-Za-z0-9_.:-]{1,128}$", ErrorMessage = "Bridge:InstanceId must be 1-128 characters of A-Z a-z 0-9 _ . : -")]
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Bytes of accepted payload that may wait for Kafka; beyond it MQTT 5 publishes get 0x97 and MQTT 3.1.1 connections stop being read.</summary>
    [Range(64 * 1024, long.MaxValue, ErrorMessage = "Bridge:BufferBytes must be at least 65536.")]
    public long BufferBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long a record may wait for Kafka before the bridge gives up on it and disconnects the device (which then resends).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Bridge:DeliveryTimeout must be between 1 s and 1 day.")]
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Kafka compression for the records the bridge writes (none, gzip, snappy, lz4, zstd).</summary>
    [RegularExpression("^(none|gzip|snappy|lz4|zstd)$", ErrorMessage = "Bridge:Compression must be one of none, gzip, snappy, lz4, zstd.")]
    public string Compression { get; set; } = "lz4";

    /// <summary>
    /// How long the producer gathers messages into one batch; a PUBACK waits for it. Small batches cost Kafka and
    /// the processor per batch (the embedded mock cluster hands out one batch per partition and fetch).
    /// </summary>
    [Range(0, 1000, ErrorMessage = "Bridge:LingerMs must be between 0 and 1000.")]
    public int LingerMs { get; set; } = 10;

    /// <summary>
    /// Bytes after which a partition's batch goes to Kafka without waiting out <see cref="LingerMs"/> (librdkafka's
    /// batch.size; its default here). Smaller batches shorten the PUBACK wait under load, when they fill before the
    /// linger ends, and cost CPU per message in the bridge and Kafka: on 2 cores the whole pipeline held less with
    /// 32 KiB (docs/operations.md, "Bridge throughput").
    /// </summary>
    [Range(1024, 1_000_000, ErrorMessage = "Bridge:BatchBytes must be between 1024 and 1000000.")]
    public int BatchBytes { get; set; } = 1_000_000;

    /// <summary>
    /// When a connection holds its whole in-flight window (Limits:MaxInFlightPerConnection), the records Kafka's
    /// producer has queued are sent at once instead of after the rest of <see cref="LingerMs"/>: that device can send
    /// nothing more until its PUBACKs come (Kafka/FullWindowSender). Off: every batch waits out the linger.
    /// </summary>
    public bool SendWhenWindowFull { get; set; } = true;

    /// <summary>
    /// For how long after a device's registry record was written (its updated_ts_ms) the bridge copies the record's
    /// attributes into the device's telemetry (accepted_under): the processor's global table may not have the record
    /// yet, and enrich uses the copy instead of stalling. Far above that table's lag; 0 never copies.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Bridge:RegistrySnapshotWindow must be between 0 and 1 day.")]
    public TimeSpan RegistrySnapshotWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long shutdown waits for records already accepted to reach Kafka.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Bridge:DrainTimeout must be between 0 and 10 min.")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How often this instance records that it is alive in iot.connectivity. A device whose instance missed three
    /// heartbeats counts as disconnected (the instance crashed without recording disconnects).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Bridge:PresenceHeartbeat must be between 1 s and 1 h.")]
    public TimeSpan PresenceHeartbeat { get; set; } = TimeSpan.FromSeconds(30);
}
