using MQTTnet.Packets;

namespace Pipeline.MqttBridge.Connections;

/// <summary>Takes a PUBLISH from an authenticated device; returns once the bridge may read the connection's next packet.</summary>
public interface IPublishIngest
{
    ValueTask HandleAsync(DeviceConnection connection, MqttPublishPacket publish, CancellationToken cancellationToken);

    /// <summary>Counts a refusal that is not a publish (a packet or SUBSCRIBE over a limit) and records it in iot.rejected.</summary>
    void RecordRefusal(string deviceId, string topic, Policy.Refusal refusal);
}
