namespace Pipeline.MqttBridge.Connections;

/// <summary>Per-connection limits a DeviceConnection enforces itself (AWS IoT Core's values by default).</summary>
public sealed record ConnectionLimits(int MaxPacketBytes, int MaxFiltersPerSubscribe, int MaxSubscriptions)
{
    public static readonly ConnectionLimits Default = new(128 * 1024 + 64 * 1024, 8, 50);
}
