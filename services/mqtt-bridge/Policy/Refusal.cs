using MQTTnet.Protocol;
using Pipeline.Contracts;

namespace Pipeline.MqttBridge.Policy;

/// <summary>Why a publish or subscription was refused: the reason recorded in iot.rejected, the MQTT 5 code the device sees, and a detail for people.</summary>
public sealed record Refusal(RejectedMessage.Types.Reason Reason, MqttPubAckReasonCode Code, string Detail)
{
    public static Refusal NotAuthorized(string detail) => new(RejectedMessage.Types.Reason.NotAuthorized, MqttPubAckReasonCode.NotAuthorized, detail);

    public static Refusal InvalidTopic(string detail) => new(RejectedMessage.Types.Reason.InvalidTopic, MqttPubAckReasonCode.TopicNameInvalid, detail);

    public static Refusal Malformed(string detail) => new(RejectedMessage.Types.Reason.MalformedPayload, MqttPubAckReasonCode.PayloadFormatInvalid, detail);

    public static Refusal NonFinite(string detail) => new(RejectedMessage.Types.Reason.NonFiniteValue, MqttPubAckReasonCode.PayloadFormatInvalid, detail);

    public static Refusal TooManyMetrics(string detail) => new(RejectedMessage.Types.Reason.TooManyMetrics, MqttPubAckReasonCode.PayloadFormatInvalid, detail);

    public static Refusal InvalidMetricName(string detail) => new(RejectedMessage.Types.Reason.InvalidMetricName, MqttPubAckReasonCode.PayloadFormatInvalid, detail);

    /// <summary>Over the size limit: 0x83, "valid, but the receiver is not willing to accept it".</summary>
    public static Refusal TooLarge(string detail) => new(RejectedMessage.Types.Reason.PayloadTooLarge, MqttPubAckReasonCode.ImplementationSpecificError, detail);

    public static Refusal RateLimited(string detail) => new(RejectedMessage.Types.Reason.RateLimited, MqttPubAckReasonCode.QuotaExceeded, detail);

    /// <summary>Too many topic filters in one SUBSCRIBE or on one connection: SUBACK 0x97 Quota exceeded.</summary>
    public static Refusal SubscriptionQuota(string detail) => new(RejectedMessage.Types.Reason.QuotaExceeded, MqttPubAckReasonCode.QuotaExceeded, detail);

    public static Refusal BufferFull(string detail) => new(RejectedMessage.Types.Reason.QuotaExceeded, MqttPubAckReasonCode.QuotaExceeded, detail);

    /// <summary>
    /// A device PUBLISH with the retain flag: the bridge advertises Retain Available = 0 and, as MQTT 5 3.3.1.3 says,
    /// answers such a publish with DISCONNECT 0x9A (the code here is only what iot.rejected and PUBACK-less logs carry).
    /// </summary>
    public static Refusal RetainNotSupported(string detail) => new(RejectedMessage.Types.Reason.RetainNotSupported, MqttPubAckReasonCode.ImplementationSpecificError, detail);

    /// <summary>The matching SUBACK code (SUBACK has its own enum with the same byte values).</summary>
    public MqttSubscribeReasonCode SubscribeCode => Code switch
    {
        MqttPubAckReasonCode.NotAuthorized => MqttSubscribeReasonCode.NotAuthorized,
        MqttPubAckReasonCode.QuotaExceeded => MqttSubscribeReasonCode.QuotaExceeded,
        _ => MqttSubscribeReasonCode.TopicFilterInvalid,
    };

    /// <summary>The label used on metrics (lower-case reason name).</summary>
    public string MetricLabel => Reason.ToString().ToLowerInvariant();
}
