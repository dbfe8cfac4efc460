using MQTTnet.Packets;

namespace Pipeline.MqttBridge.Connections;

/// <summary>Takes a PUBLISH from an authenticated device; returns once the bridge may read the connection's next packet.</summary>
public interface IPublishIngest
{
    ValueTask HandleAsync(DeviceConnection connection, MqttPublishPacket publish, CancellationToken cancellationToken);
}
