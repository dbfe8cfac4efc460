using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.DeviceRegistry;
using Pipeline.RulesSql;
using Pipeline.RulesSql.Definitions;
using Pipeline.RulesSql.Values;
using static Pipeline.MqttBridge.RulesApi.RulesApiResults;

namespace Pipeline.MqttBridge.RulesApi;

/// <summary>
/// POST /rules/test, the AWS console's rule test: runs a stored rule (<c>"name"</c>) or a statement (<c>"sql"</c>, with
/// <c>"actions"</c> optional) on one message, <c>{"topic": "devices/d1/telemetry", "payload": {...}, "clientId": "d1"}</c>,
/// and answers what it would produce and where it would go. Nothing is written anywhere. The client id defaults to the
/// topic's device (devices/&lt;id&gt;/...), and a registered device's attributes are what attribute('x') reads.
/// </summary>
public sealed class RuleTester(RulesView view, DeviceRegistryView registry)
{
    private static readonly HashSet<string> Known = ["name", "sql", "actions", "errorAction", "qos", "topic", "payload", "clientId"];

    public async Task<IResult> TestAsync(HttpContext http)
    {
        if (await ReadBodyAsync(http.Request, RuleBody.MaxBytes + SqlLimitsPayload, http.RequestAborted) is not { } bytes)
            return Error(StatusCodes.Status413PayloadTooLarge, "A test request is at most 192 KiB.");
        if (!view.IsReady)
            return Error(StatusCodes.Status503ServiceUnavailable, $"The rules API is not ready: the rules view is {view.Status}; try again.");
        try
        {
            return Run(bytes);
        }
        catch (RuleDefinitionException refused)
        {
            return Invalid(refused);
        }
    }

    // Room for a device payload (128 KiB at most) next to the rule.
    private const int SqlLimitsPayload = 128 * 1024;

    private IResult Run(byte[] bytes)
    {
        var request = JsonObjectOf(bytes);
        if (request.Select(p => p.Key).FirstOrDefault(k => !Known.Contains(k)) is { } unknown)
            throw new RuleDefinitionException($"unknown field '{unknown}' (known: {string.Join(", ", Known)})");
        var topic = StringField(request, "topic");
        if (string.IsNullOrEmpty(topic))
            throw new RuleDefinitionException("'topic' is required: the MQTT topic the message was published on, e.g. devices/d1/telemetry") { Field = "topic" };
        var payload = Payload(request["payload"]);
        var clientId = StringField(request, "clientId") ?? DeviceOf(topic);

        var (rule, compiled, actions) = Load(request);
        var context = new RuleContext(topic, clientId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            clientId is not null && registry.TryGet(clientId, out var device) ? device.Attributes : null);
        SqlObject message;
        try
        {
            message = SqlJson.ParseObject(payload);
        }
        catch (JsonException e)
        {
            throw new RuleDefinitionException($"'payload' must be a JSON object, as a rule's message is: {e.Message}") { Field = "payload" };
        }
        var topicMatched = compiled.Matches(topic);
        var result = topicMatched ? compiled.Evaluate(message, context) : null;
        var answer = new JsonObject
        {
            ["rule"] = rule?.Name,
            ["enabled"] = rule?.Enabled,
            ["topicMatched"] = topicMatched,
            ["matched"] = result is not null,
            ["result"] = result is null ? null : JsonNode.Parse(result.ToJsonBytes()),
            ["actions"] = new JsonArray([.. (result is null ? [] : actions).Select(a => (JsonNode)new JsonObject
            {
                ["type"] = RuleActionTypes.Name(a.Type),
                ["target"] = a.Target.Render(message, context, result),
                ["qos"] = a.Type == RuleActionType.Republish ? a.Action.Qos : null,
            })]),
        };
        return Json(answer.ToJsonString(RuleDefinitionJson.Options));
    }

    /// <summary>The stored rule named in the request, or the request's own statement (its actions are optional here).</summary>
    private (RuleDefinition? Rule, CompiledRule Statement, IReadOnlyList<PreparedAction> Actions) Load(JsonObject request)
    {
        if (request["name"] is not null)
        {
            var name = StringField(request, "name")!;
            if (request.ContainsKey("sql"))
                throw new RuleDefinitionException("give either 'name' (a stored rule) or 'sql', not both");
            if (!view.TryGet(name, out var stored))
                throw new RuleDefinitionException($"no rule named '{name}'") { Field = "name" };
            var prepared = RuleValidator.Prepare(stored);
            return (stored, prepared.Statement, prepared.Actions);
        }
        var sql = StringField(request, "sql") ?? throw new RuleDefinitionException("give 'name' (a stored rule) or 'sql' (a statement to try)") { Field = "sql" };
        if (request["actions"] is null)
            return (null, Compile(sql), []);
        var rule = new JsonObject();
        foreach (var field in new[] { "sql", "actions", "errorAction", "qos" })
            if (request[field] is { } value)
                rule[field] = value.DeepClone();
        var body = RuleBody.Parse(Encoding.UTF8.GetBytes(rule.ToJsonString()));
        var checkedRule = RuleValidator.Prepare(new RuleDefinition { Name = "test", Sql = body.Sql, Actions = body.Actions, ErrorAction = body.ErrorAction });
        return (null, checkedRule.Statement, checkedRule.Actions);
    }

    private static CompiledRule Compile(string sql)
    {
        try
        {
            return RuleSql.Compile(sql);
        }
        catch (RuleSqlException error)
        {
            throw new RuleDefinitionException($"sql: {error.Message}", error) { Field = "sql" };
        }
    }

    /// <summary>The message: a JSON object, or a string holding one (as a shell passes --payload).</summary>
    private static byte[] Payload(JsonNode? node) => node switch
    {
        null => throw new RuleDefinitionException("'payload' is required: the message as the device publishes it, e.g. {\"temperature\": 31}") { Field = "payload" },
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Encoding.UTF8.GetBytes(v.GetValue<string>()),
        _ => Encoding.UTF8.GetBytes(node.ToJsonString()),
    };

    private static string? StringField(JsonObject request, string field) => request[field] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new RuleDefinitionException($"'{field}' must be a string") { Field = field },
    };

    private static string? DeviceOf(string topic) =>
        topic.Split('/') is ["devices", { Length: > 0 } id, ..] ? id : null;

    private static JsonObject JsonObjectOf(byte[] bytes)
    {
        try
        {
            return JsonNode.Parse(bytes) as JsonObject ?? throw new RuleDefinitionException("the body must be a JSON object: {\"sql\": ..., \"topic\": ..., \"payload\": {...}}");
        }
        catch (JsonException e)
        {
            throw new RuleDefinitionException($"the body is not JSON: {e.Message}");
        }
    }
}
