using MQTTnet.Protocol;

namespace Pipeline.MqttBridge.Auth;

/// <summary>The answer to a CONNECT: the CONNACK code, the proven device id on success, and why (for logs, metrics and the MQTT 5 reason string).</summary>
public sealed record ConnectDecision(MqttConnectReasonCode Code, string? DeviceId, string Reason, string MetricLabel)
{
    public bool Accepted => Code == MqttConnectReasonCode.Success;

    public static ConnectDecision Accept(string deviceId) => new(MqttConnectReasonCode.Success, deviceId, "ok", "ok");

    public static ConnectDecision Refuse(MqttConnectReasonCode code, string reason, string metricLabel) => new(code, null, reason, metricLabel);
}
