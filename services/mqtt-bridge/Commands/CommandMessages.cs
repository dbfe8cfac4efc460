using MQTTnet;
using MQTTnet.Protocol;

namespace Pipeline.MqttBridge.Commands;

/// <summary>The MQTT message that carries a command to devices/&lt;id&gt;/commands.</summary>
public static class CommandMessages
{
    public static MqttApplicationMessage Build(string deviceId, string commandId, byte[] payload, int qos, string? contentType, long expiresAtMs, long nowMs)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{deviceId}/commands")
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(CommandDispatcher.CommandIdProperty, System.Text.Encoding.UTF8.GetBytes(commandId).AsMemory());
        if (!string.IsNullOrEmpty(contentType))
            message.WithContentType(contentType);
        // Queued in a persistent session, it is dropped once this passes (MQTT 5 message expiry).
        message.WithMessageExpiryInterval((uint)Math.Max(1, (expiresAtMs - nowMs) / 1000));
        return message.Build();
    }
}
