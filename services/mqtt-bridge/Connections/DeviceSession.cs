using Pipeline.Contracts;
using Pipeline.DeviceRegistry;

namespace Pipeline.MqttBridge.Connections;

/// <summary>The proven identity of a connection and the per-device limits read from its registry record.</summary>
public sealed class DeviceSession(string deviceId, DeviceRegistryView registry, double defaultRatePerSecond)
{
    private readonly double _defaultRate = defaultRatePerSecond;
    private DeviceRecord? _seen;
    private double _rate = defaultRatePerSecond;

    public string DeviceId { get; } = deviceId;

    /// <summary>devices/&lt;id&gt;/, the only prefix the device may use.</summary>
    public string TopicPrefix { get; } = Policy.TopicPolicy.Prefix(deviceId);

    /// <summary>
    /// The device's registry record as this bridge's view has it now, when the device may still publish (known and
    /// not revoked). A revocation therefore stops the device's publishes as soon as the view has it, even before its
    /// connection is closed, and what was accepted names the record it was accepted under.
    /// </summary>
    public bool TryGetAcceptingRecord([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DeviceRecord? record) =>
        registry.TryGet(DeviceId, out record) && !record.Revoked;

    /// <summary>Messages per second: the registry attribute rate_limit when set, else the bridge default. Follows registry updates.</summary>
    public double RatePerSecond
    {
        get
        {
            if (registry.TryGet(DeviceId, out var record) && !ReferenceEquals(record, _seen))
            {
                _rate = DeviceAttributes.TryParseRateLimit(record.Attributes.GetValueOrDefault(DeviceAttributes.RateLimit)) ?? _defaultRate;
                _seen = record;
            }
            return _rate;
        }
    }
}
