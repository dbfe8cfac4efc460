using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Pipeline.MqttBridge.Wills;

/// <summary>The last will a device gave in its CONNECT, taken out of MQTTnet's hands (which would drop it) by the bridge.</summary>
public sealed record WillMessage(string Topic, byte[] Payload, string? ContentType, MqttQualityOfServiceLevel Qos, bool Retain, uint DelaySeconds)
{
    public static WillMessage? From(MqttConnectPacket connect) => connect.WillFlag
        ? new WillMessage(connect.WillTopic ?? "", connect.WillMessage ?? [], connect.WillContentType, connect.WillQoS, connect.WillRetain, connect.WillDelayInterval)
        : null;

    /// <summary>The will as the PUBLISH the device would have sent, for the ordinary ingest path.</summary>
    public MqttPublishPacket ToPublish() => new()
    {
        Topic = Topic,
        Payload = new System.Buffers.ReadOnlySequence<byte>(Payload),
        ContentType = ContentType,
        QualityOfServiceLevel = Qos,
    };
}
