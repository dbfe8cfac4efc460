using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.Contracts.Commands;
using Pipeline.Contracts.Serialization;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Commands;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.ShadowApi;

using Pipeline.MqttBridge.OperatorApi;

namespace Pipeline.MqttBridge.CommandApi;

/// <summary>
/// <c>POST /commands/&lt;deviceId&gt;[?qos=0|1&amp;expires=10m&amp;retain=true]</c> (body: the command's JSON payload) and
/// <c>GET /commands/&lt;commandId&gt;</c> for applications, next to the shadow API and behind the same operator token.
/// A command is answered 202 with its id only once Kafka acknowledged it on iot.commands; with retain it is also
/// stored as the retained message of devices/&lt;id&gt;/commands (iot.retained), and an empty body clears that.
/// </summary>
public static class CommandApiEndpoints
{
    public static WebApplication MapCommandApi(this WebApplication app)
    {
        app.MapPost("/commands/{deviceId}", (string deviceId, HttpContext http, CommandApiHandler handler) => handler.SendAsync(http, deviceId));
        app.MapGet("/commands/{commandId}", (string commandId, HttpContext http, CommandApiHandler handler) => handler.Show(http, commandId));
        return app;
    }
}

/// <summary>One HTTP command request from token check to Kafka's acknowledgement, or one outcome look-up.</summary>
public sealed class CommandApiHandler(
    OperatorAuth auth,
    BridgeProducer producer,
    DeviceRegistryView registry,
    CommandOutcomes outcomes,
    CommandOutcomeLog log)
{
    public async Task<IResult> SendAsync(HttpContext http, string deviceId)
    {
        if (Refused(http) is { } refused)
            return refused;
        if (!DeviceIds.IsValid(deviceId))
            return ShadowApiHandler.Error(StatusCodes.Status400BadRequest, "Invalid device id: use 1 to 128 characters from A-Z a-z 0-9 _ . : -");
        if (!registry.IsReady || !producer.IsKafkaReachable)
            return ShadowApiHandler.Error(StatusCodes.Status503ServiceUnavailable, "The bridge is not ready (Kafka or the device registry); try again.");
        if (!registry.TryGet(deviceId, out var device) || device.Revoked)
            return ShadowApiHandler.Error(StatusCodes.Status404NotFound, $"No device with id '{deviceId}' in the registry.");
        var (qos, expires, retain, queryError) = ParseQuery(http.Request.Query);
        if (queryError is not null)
            return ShadowApiHandler.Error(StatusCodes.Status400BadRequest, queryError);
        var body = await ShadowApiHandler.ReadAtMostAsync(http.Request.Body, CommandRequest.MaxPayloadBytes + 1, http.RequestAborted);
        var (request, error) = CommandRequest.Create(deviceId, body, qos, expires, retain);
        if (request is null)
            return ShadowApiHandler.Error(body.Length > CommandRequest.MaxPayloadBytes ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, error!);

        var commandId = CommandRequest.NewCommandId();
        var record = request.ToRecord(commandId, DateTimeOffset.UtcNow);
        if (request.Retain)
        {
            var retained = request.ClearsRetained ? null : ProtobufSerializer<DeviceCommand>.Encode(record, producer.RetainedSchemaId);
            if (await ProduceAsync(producer.Topics.Retained, request.Topic, retained, http.RequestAborted) is { } failure)
                return ShadowApiHandler.Error(StatusCodes.Status503ServiceUnavailable, $"Kafka did not take the retained message: {failure}");
            if (request.ClearsRetained)
                return Results.Json(new { topic = request.Topic, retained = "cleared" });
        }
        if (await ProduceAsync(producer.Topics.Commands, deviceId, ProtobufSerializer<DeviceCommand>.Encode(record, producer.CommandSchemaId),
                http.RequestAborted) is { } rejected)
            return ShadowApiHandler.Error(StatusCodes.Status503ServiceUnavailable, $"Kafka did not take the command: {rejected}");
        outcomes.Record(deviceId, commandId, "accepted", request.Retain ? "retained as " + request.Topic : null);
        return Results.Json(new { commandId }, statusCode: StatusCodes.Status202Accepted);
    }

    public IResult Show(HttpContext http, string commandId)
    {
        if (Refused(http) is { } refused)
            return refused;
        if (log.Of(commandId) is not { } known)
            return ShadowApiHandler.Error(StatusCodes.Status404NotFound,
                $"This bridge instance knows no command '{commandId}' (it keeps the outcomes of its newest commands, Commands:RecentOutcomes); `./pipeline commands show` reads the full history.");
        var list = new JsonArray();
        foreach (var o in known)
            list.Add(new JsonObject { ["outcome"] = o.Outcome, ["detail"] = o.Detail, ["instance"] = o.Instance, ["at"] = o.At.ToString("O") });
        return Results.Text(new JsonObject { ["commandId"] = commandId, ["deviceId"] = known[0].DeviceId, ["outcomes"] = list }.ToJsonString(),
            "application/json");
    }

    private IResult? Refused(HttpContext http) =>
        auth.Refusal(http, "command API") is { } refusal ? ShadowApiHandler.Error(refusal.Status, refusal.Message) : null;

    /// <summary>qos (default 1), expires ("10m", "90s", ...; default Commands:DefaultExpiry) and retain (default false).</summary>
    internal static (int Qos, TimeSpan? Expires, bool Retain, string? Error) ParseQuery(IQueryCollection query)
    {
        var qos = 1;
        if (query.TryGetValue("qos", out var q) && !int.TryParse(q.ToString(), out qos))
            return (0, null, false, $"qos must be 0 or 1 (got '{q}').");
        TimeSpan? expires = null;
        if (query.TryGetValue("expires", out var e) && (expires = CommandRequest.ParseDuration(e.ToString())) is null)
            return (0, null, false, $"expires must be a duration such as 30s, 10m, 2h or 1d (got '{e}').");
        var retain = false;
        if (query.TryGetValue("retain", out var r) && !bool.TryParse(r.ToString(), out retain))
            return (0, null, false, $"retain must be true or false (got '{r}').");
        return (qos, expires, retain, null);
    }

    private async Task<string?> ProduceAsync(string topic, string key, byte[]? value, CancellationToken ct)
    {
        var delivered = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            producer.Produce(topic, key, value, report => delivered.TrySetResult(report.Error.IsError ? report.Error.Reason : null));
        }
        catch (Confluent.Kafka.ProduceException<string, byte[]> e)
        {
            return e.Error.Reason;
        }
        return await delivered.Task.WaitAsync(ct);
    }
}
