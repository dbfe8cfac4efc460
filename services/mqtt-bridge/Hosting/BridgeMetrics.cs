using Prometheus;

namespace Pipeline.MqttBridge.Hosting;

/// <summary>The bridge's Prometheus metrics (process-wide, as prometheus-net's default registry is).</summary>
public static class BridgeMetrics
{
    public static readonly Gauge Connections = Metrics.CreateGauge(
        "mqtt_bridge_connections", "Authenticated device connections, by listener.", "listener");

    public static readonly Counter ConnectsRefused = Metrics.CreateCounter(
        "mqtt_bridge_connects_refused_total", "Connections refused at TLS handshake or CONNECT, by reason.", "reason");

    public static readonly Counter MessagesIn = Metrics.CreateCounter(
        "mqtt_bridge_messages_in_total", "PUBLISH packets received from authenticated devices, by topic kind and QoS.", "kind", "qos");

    public static readonly Counter MessagesAccepted = Metrics.CreateCounter(
        "mqtt_bridge_messages_accepted_total", "Publishes written to Kafka (delivery report succeeded), by topic kind.", "kind");

    public static readonly Histogram PubAckLatency = Metrics.CreateHistogram(
        "mqtt_bridge_puback_latency_seconds", "Time from receiving a QoS 1/2 PUBLISH to sending its acknowledgement.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public static readonly Counter Rejects = Metrics.CreateCounter(
        "mqtt_bridge_rejects_total", "Publishes and subscriptions refused after CONNECT, by reason.", "reason");

    public static readonly Counter RejectedRecordsDropped = Metrics.CreateCounter(
        "mqtt_bridge_rejected_records_dropped_total", "iot.rejected records not written because the buffer was full or Kafka refused them.");

    public static readonly Gauge BufferBytes = Metrics.CreateGauge(
        "mqtt_bridge_buffer_bytes", "Bytes of records handed to Kafka and not yet acknowledged by it.");

    public static readonly Gauge BufferCapacityBytes = Metrics.CreateGauge(
        "mqtt_bridge_buffer_capacity_bytes", "Configured buffer size (Bridge:BufferBytes).");

    public static readonly Counter FullWindowSends = Metrics.CreateCounter(
        "mqtt_bridge_full_window_sends_total", "Times Kafka's queued batches were sent before the linger ended because a connection's in-flight window was full.");

    public static readonly Counter DeliveryFailures = Metrics.CreateCounter(
        "mqtt_bridge_delivery_failures_total", "Records Kafka did not acknowledge in time (the device was disconnected to resend).");

    public static readonly Counter Commands = Metrics.CreateCounter(
        "mqtt_bridge_commands_total", "Cloud-to-device commands, by outcome.", "outcome");

    public static readonly Counter WillsPublished = Metrics.CreateCounter(
        "mqtt_bridge_wills_published_total", "Last wills published for devices that dropped without DISCONNECT.");

    public static readonly Counter SessionsExpired = Metrics.CreateCounter(
        "mqtt_bridge_sessions_expired_total", "Persistent sessions deleted because their device stayed away longer than the session expiry.");

    public static readonly Gauge SessionsWaiting = Metrics.CreateGauge(
        "mqtt_bridge_sessions_waiting", "Persistent sessions kept for devices that are not connected.");

    public static readonly Counter OversizedPackets = Metrics.CreateCounter(
        "mqtt_bridge_oversized_packets_total", "Connections closed because a packet exceeded the packet size limit.");

    public static readonly Counter ConnectivityEventsDropped = Metrics.CreateCounter(
        "mqtt_bridge_connectivity_events_dropped_total", "Connect, disconnect or instance events Kafka did not accept (iot.connectivity).");
}
