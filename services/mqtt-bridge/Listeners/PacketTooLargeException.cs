namespace Pipeline.MqttBridge.Listeners;

/// <summary>A packet's fixed header announced more than the hard packet limit; the connection is closed (MQTT 5: DISCONNECT 0x95 first).</summary>
public sealed class PacketTooLargeException(long size, int limit)
    : IOException($"Packet of {size} bytes exceeds the limit of {limit} bytes; closing the connection.")
{
    public long Size { get; } = size;
    public int Limit { get; } = limit;
}
