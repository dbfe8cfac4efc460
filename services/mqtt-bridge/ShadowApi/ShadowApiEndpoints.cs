using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.OperatorApi;
using Pipeline.MqttBridge.Options;
using Pipeline.Shadows;
using ShadowResponse = Pipeline.Contracts.ShadowResponse;

namespace Pipeline.MqttBridge.ShadowApi;

/// <summary>
/// <c>GET /shadows/&lt;id&gt;[?name=N]</c> and <c>POST /shadows/&lt;id&gt;[?name=N]</c> (body: an update request as a device
/// publishes it) for applications, authenticated with the operator token. A request goes through
/// iot.shadow.requests like a device's, so the one writer per device applies it in order with everything
/// else; the answer comes back from iot.shadow.responses. Status codes are AWS IoT's (200, 400, 404, 409, 413),
/// plus 401 (token), 503 (API off or Kafka not ready) and 504 (no answer in time).
/// </summary>
public static partial class ShadowApiEndpoints
{
    public static WebApplication MapShadowApi(this WebApplication app)
    {
        app.MapGet("/shadows/{deviceId}", (string deviceId, HttpContext http, ShadowApiHandler handler) =>
            handler.HandleAsync(http, deviceId, ShadowRequest.Types.Operation.Get));
        app.MapPost("/shadows/{deviceId}", (string deviceId, HttpContext http, ShadowApiHandler handler) =>
            handler.HandleAsync(http, deviceId, ShadowRequest.Types.Operation.Update));
        return app;
    }

    [GeneratedRegex("^[a-zA-Z0-9:_-]{1,64}$")]
    internal static partial Regex ValidShadowName();
}

/// <summary>One HTTP shadow request from token check to the writer's answer.</summary>
public sealed class ShadowApiHandler(
    IOptions<ShadowApiOptions> options,
    OperatorAuth auth,
    IOptions<BridgeOptions> bridge,
    BridgeProducer producer,
    DeviceRegistryView registry,
    PendingShadowAnswers answers)
{
    public async Task<IResult> HandleAsync(HttpContext http, string deviceId, ShadowRequest.Types.Operation operation)
    {
        var api = options.Value;
        if (auth.Refusal(http, "shadow API") is { } refusal)
            return Error(refusal.Status, refusal.Message);
        if (!DeviceIds.IsValid(deviceId))
            return Error(StatusCodes.Status400BadRequest, "Invalid device id: use 1 to 128 characters from A-Z a-z 0-9 _ . : -");
        var name = http.Request.Query["name"].ToString();
        if (http.Request.Query.ContainsKey("name") && !ShadowApiEndpoints.ValidShadowName().IsMatch(name))
            return Error(StatusCodes.Status400BadRequest, "Invalid shadow name: use 1 to 64 characters from a-z A-Z 0-9 : _ -");
        if (!registry.IsReady || !producer.IsKafkaReachable)
            return Error(StatusCodes.Status503ServiceUnavailable, "The bridge is not ready (Kafka or the device registry); try again.");
        if (!registry.TryGet(deviceId, out var device) || device.Revoked)
            return Error(StatusCodes.Status404NotFound, $"No device with id '{deviceId}' in the registry.");

        byte[] payload = [];
        if (operation == ShadowRequest.Types.Operation.Update)
        {
            // One byte over the limit is enough to know: the writer would refuse it with the same 413.
            payload = await ReadAtMostAsync(http.Request.Body, ShadowLimits.MaxDocumentBytes + 1, http.RequestAborted);
            if (payload.Length > ShadowLimits.MaxDocumentBytes)
                return Error(ShadowError.PayloadTooLarge.Code, ShadowError.PayloadTooLarge.Message);
        }

        var requestId = Guid.NewGuid().ToString("N");
        var answer = answers.Expect(requestId);
        try
        {
            var record = new ShadowRequest
            {
                DeviceId = deviceId,
                ShadowName = name,
                Operation = operation,
                Payload = ByteString.CopyFrom(payload),
                RequestId = requestId,
                Source = ShadowRequest.Types.Source.Application,
                ReplyTo = bridge.Value.InstanceId,
                ReceivedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            var delivered = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            producer.Produce(producer.Topics.ShadowRequests, deviceId, ProtobufSerializer<ShadowRequest>.Encode(record, producer.ShadowRequestSchemaId),
                report => delivered.TrySetResult(report.Error.IsError ? report.Error.Reason : null));
            if (await delivered.Task.WaitAsync(http.RequestAborted) is { } failure)
                return Error(StatusCodes.Status503ServiceUnavailable, $"Kafka did not take the request: {failure}");
            try
            {
                return Answer(await answer.WaitAsync(api.AnswerTimeout, http.RequestAborted));
            }
            catch (TimeoutException)
            {
                return Error(StatusCodes.Status504GatewayTimeout,
                    $"No answer from the shadow writer within {api.AnswerTimeout.TotalSeconds:0.#} s: is the rules-processor running with the 'shadow' module?");
            }
        }
        finally
        {
            answers.Forget(requestId);
        }
    }

    /// <summary>.../accepted: 200 with the message; .../rejected: the status its code says (400, 404, 409, 413), with the message.</summary>
    private static IResult Answer(ShadowResponse response)
    {
        var body = response.Payload.ToStringUtf8();
        var status = StatusCodes.Status200OK;
        if (response.Topic.EndsWith("/rejected", StringComparison.Ordinal))
            status = JsonNode.Parse(body)?["code"]?.GetValue<int>() is { } code and >= 400 and < 600 ? code : StatusCodes.Status400BadRequest;
        return Results.Text(body, "application/json", Encoding.UTF8, status);
    }

    internal static IResult Error(int status, string message) =>
        Results.Text(new JsonObject { ["code"] = status, ["message"] = message, ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() }.ToJsonString(),
            "application/json", Encoding.UTF8, status);

    internal static async Task<byte[]> ReadAtMostAsync(Stream body, int limit, CancellationToken ct)
    {
        var buffer = new byte[limit];
        var read = 0;
        while (read < limit && await body.ReadAsync(buffer.AsMemory(read, limit - read), ct) is var n and > 0)
            read += n;
        return buffer[..read];
    }
}
