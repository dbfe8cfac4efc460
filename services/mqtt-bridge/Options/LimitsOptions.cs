using System.ComponentModel.DataAnnotations;

namespace Pipeline.MqttBridge.Options;

/// <summary>What one device or connection may do. Section "Limits".</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    [Range(1, 16 * 1024 * 1024, ErrorMessage = "Limits:MaxPayloadBytes must be between 1 and 16777216.")]
    public int MaxPayloadBytes { get; set; } = 128 * 1024;

    /// <summary>Default messages per second per device (token bucket); the registry attribute rate_limit overrides it per device.</summary>
    [Range(0.001, 1_000_000, ErrorMessage = "Limits:RateLimitPerSecond must be a positive number of messages per second.")]
    public double RateLimitPerSecond { get; set; } = 100;

    /// <summary>Seconds of rate a device may send at once after being quiet (bucket size = rate x this).</summary>
    [Range(0.001, 3600, ErrorMessage = "Limits:RateLimitBurstSeconds must be between 0.001 and 3600.")]
    public double RateLimitBurstSeconds { get; set; } = 1;

    /// <summary>QoS 1/2 publishes a connection may have waiting for Kafka; beyond it the bridge stops reading that connection.</summary>
    [Range(1, 65535, ErrorMessage = "Limits:MaxInFlightPerConnection must be between 1 and 65535.")]
    public int MaxInFlightPerConnection { get; set; } = 100;

    /// <summary>Refused CONNECTs an address may make per minute before further connects from it are refused outright.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Limits:FailedConnectsPerMinute must be at least 1.")]
    public int FailedConnectsPerMinute { get; set; } = 30;

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Limits:ConnectTimeout must be between 1 s and 10 min.")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest a persistent session (subscriptions, queued commands) outlives its connection. An MQTT 5
    /// device's Session Expiry Interval is honoured up to this; a longer one (or "never") is cut to it.
    /// One hour, as AWS IoT Core keeps persistent sessions by default.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Limits:MaxSessionExpiry must be between 1 s and 7 days.")]
    public TimeSpan MaxSessionExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long the session of an MQTT 3.1.1 device that connected with clean session = false is kept (3.1.1 has no interval of its own); at most <see cref="MaxSessionExpiry"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Limits:DefaultSessionExpiry must be between 1 s and 7 days.")]
    public TimeSpan DefaultSessionExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Topic filters one connection may hold (AWS IoT Core: 50); one more gets SUBACK 0x97 Quota exceeded.</summary>
    [Range(1, 10_000, ErrorMessage = "Limits:MaxSubscriptionsPerConnection must be between 1 and 10000.")]
    public int MaxSubscriptionsPerConnection { get; set; } = 50;

    /// <summary>Topic filters in one SUBSCRIBE (AWS IoT Core: 8); a larger SUBSCRIBE is refused whole with 0x97 (3.1.1: 0x80).</summary>
    [Range(1, 1_000, ErrorMessage = "Limits:MaxTopicFiltersPerSubscribe must be between 1 and 1000.")]
    public int MaxTopicFiltersPerSubscribe { get; set; } = 8;
}
