using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.HttpPublish;

/// <summary>
/// <c>POST /topics/&lt;topic&gt;?qos=0|1</c> on the HTTPS port, AWS IoT Core's HTTPS device gateway: the body is the
/// payload a device would publish over MQTT (Content-Type application/x-protobuf for Protobuf telemetry). qos=1:
/// 200 only after Kafka acknowledged the record; qos=0 (the default, as on AWS): 200 once Kafka's client took it.
/// Refusals: 400 malformed (topic, payload, qos), 401 no or bad credentials, 403 not authorized, 413 too large,
/// 429 rate limited, 503 buffer full or Kafka not ready; the body is {"code","message"}.
/// </summary>
public static class HttpPublishEndpoints
{
    public static WebApplication MapHttpPublish(this WebApplication app)
    {
        app.MapPost("/topics/{**topic}", (string topic, HttpContext http, HttpPublishHandler handler) => handler.HandleAsync(http, topic));
        return app;
    }
}

/// <summary>One HTTP publish, from the caller's identity to Kafka's acknowledgement.</summary>
public sealed class HttpPublishHandler(HttpDeviceIdentity identity, PublishIngest ingest, BridgeProducer producer, DeviceRegistryView registry,
    IOptions<LimitsOptions> limits, IOptions<ListenersOptions> listeners)
{
    public async Task<IResult> HandleAsync(HttpContext http, string topic)
    {
        if (!http.Request.IsHttps)
            return Error(StatusCodes.Status403Forbidden, "publish over HTTPS (the bridge's https endpoint), not plain HTTP");
        var qosText = http.Request.Query["qos"].ToString();
        if (qosText is not ("" or "0" or "1"))
            return Error(StatusCodes.Status400BadRequest, $"qos must be 0 or 1 (QoS 2 is not supported, as on AWS IoT Core), not '{qosText}'");
        if (!registry.IsReady || !producer.IsKafkaReachable)
            return Error(StatusCodes.Status503ServiceUnavailable, "the bridge is not ready (Kafka or the device registry); retry");

        var certificate = await http.Connection.GetClientCertificateAsync(http.RequestAborted);
        var who = await identity.IdentifyAsync(certificate, http.Request.Headers.Authorization.ToString(), topic, http.Connection.RemoteIpAddress);
        if (who.DeviceId is not { } deviceId)
            return Error(who.Status, who.Failure!);

        var session = new DeviceSession(deviceId, registry, limits.Value.RateLimitPerSecond);
        var max = limits.Value.MaxPayloadBytes;
        var body = await ReadAtMostAsync(http.Request.Body, max + 1, http.RequestAborted);
        if (body.Length > max)
        {
            var tooLarge = Refusal.TooLarge($"payload of {http.Request.ContentLength?.ToString() ?? $"more than {max}"} bytes exceeds the limit of {max} bytes");
            ingest.WriteRejected(RecordFactory.Rejected(deviceId, topic, new ReadOnlySequence<byte>(body), tooLarge, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            return Error(StatusCodes.Status413PayloadTooLarge, tooLarge.Detail);
        }
        var publish = new MqttPublishPacket
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(body),
            ContentType = http.Request.ContentType?.Split(';')[0].Trim(),
            QualityOfServiceLevel = qosText == "1" ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce,
        };
        Refusal? refusal;
        try
        {
            refusal = await ingest.PublishAsync(session, publish, waitForKafka: qosText == "1").WaitAsync(listeners.Value.HttpsPublishAckTimeout);
        }
        catch (TimeoutException)
        {
            // Not acknowledged is not refused: the record may still reach Kafka, and a resend with the same seq is
            // de-duplicated downstream, exactly as an MQTT device resends after a PUBACK that did not come.
            return Error(StatusCodes.Status503ServiceUnavailable,
                $"Kafka did not acknowledge within {listeners.Value.HttpsPublishAckTimeout.TotalSeconds:0} s; the bridge is not ready, retry with the same seq");
        }
        return refusal is null
            ? Results.Text(new JsonObject { ["message"] = "OK", ["traceId"] = http.TraceIdentifier }.ToJsonString(), "application/json", Encoding.UTF8)
            : Error(StatusOf(refusal), refusal.Detail);
    }

    /// <summary>The HTTP status for each refusal reason (the MQTT path sends the reason code instead).</summary>
    public static int StatusOf(Refusal refusal) => refusal.Reason switch
    {
        RejectedMessage.Types.Reason.NotAuthorized => StatusCodes.Status403Forbidden,
        RejectedMessage.Types.Reason.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        RejectedMessage.Types.Reason.RateLimited => StatusCodes.Status429TooManyRequests,
        RejectedMessage.Types.Reason.QuotaExceeded => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    // One byte past the limit is enough to refuse it; the rest is not read (the connection is then closed by Kestrel).
    private static async Task<byte[]> ReadAtMostAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (buffer.WrittenCount < limit)
        {
            var read = await body.ReadAsync(buffer.GetMemory(Math.Min(16 * 1024, limit - buffer.WrittenCount)), cancellationToken);
            if (read == 0)
                break;
            buffer.Advance(read);
        }
        return buffer.WrittenSpan[..Math.Min(buffer.WrittenCount, limit)].ToArray();
    }

    private static IResult Error(int status, string message) =>
        Results.Text(new JsonObject { ["code"] = status, ["message"] = message }.ToJsonString(), "application/json", Encoding.UTF8, status);
}
