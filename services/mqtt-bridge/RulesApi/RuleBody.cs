using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.MqttBridge.RulesApi;

/// <summary>
/// A rule as a client sends it: <c>{"sql": "...", "actions": ["kafka:x", {"type":"republish","target":"...","qos":0}],
/// "errorAction": "kafka:y", "description": "...", "enabled": true, "qos": 1}</c> (<c>name</c> too for POST /rules).
/// Actions are objects or the command line's type:target strings; <c>qos</c> applies to the strings. An unknown field is
/// refused, so a typo ("action") is not silently a rule without it.
/// </summary>
public sealed record RuleBody(string? Name, string Sql, IReadOnlyList<RuleAction> Actions, RuleAction? ErrorAction, string Description, bool Enabled)
{
    public const int MaxBytes = 64 * 1024;

    private static readonly HashSet<string> Known = ["name", "sql", "actions", "errorAction", "description", "enabled", "qos"];

    /// <summary>Throws <see cref="RuleDefinitionException"/> naming the field that is missing, unknown or of the wrong kind.</summary>
    public static RuleBody Parse(ReadOnlySpan<byte> utf8)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8);
        }
        catch (JsonException e)
        {
            throw new RuleDefinitionException($"the body is not JSON: {e.Message}");
        }
        if (node is not JsonObject body)
            throw new RuleDefinitionException("the body must be a JSON object: {\"sql\": \"SELECT ...\", \"actions\": [\"kafka:alerts\"]}");
        if (body.Select(p => p.Key).FirstOrDefault(k => !Known.Contains(k)) is { } unknown)
            throw new RuleDefinitionException($"unknown field '{unknown}' (known: {string.Join(", ", Known)})");
        var qos = Integer(body, "qos") ?? 1;
        var actions = body["actions"] switch
        {
            JsonArray list => list.Select(a => Action(a, qos, "actions")).ToList(),
            null => throw new RuleDefinitionException("'actions' is required: a list such as [\"kafka:alerts\"]"),
            _ => throw new RuleDefinitionException("'actions' must be a list such as [\"kafka:alerts\"]"),
        };
        return new RuleBody(
            Text(body, "name"),
            Text(body, "sql") ?? throw new RuleDefinitionException("'sql' is required: the rule's SELECT statement"),
            actions,
            body["errorAction"] is { } error ? Action(error, qos, "errorAction") : null,
            Text(body, "description") ?? "",
            Boolean(body, "enabled") ?? true);
    }

    private static RuleAction Action(JsonNode? node, int qos, string field)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
            return RuleActionParser.Parse(text, qos);
        if (node is not JsonObject action)
            throw new RuleDefinitionException($"'{field}': each action is \"type:target\" or {{\"type\": \"kafka\", \"target\": \"alerts\"}}");
        if (action.Select(p => p.Key).FirstOrDefault(k => k is not ("type" or "target" or "qos")) is { } unknown)
            throw new RuleDefinitionException($"'{field}': unknown action field '{unknown}' (known: type, target, qos)");
        var type = Text(action, "type") ?? throw new RuleDefinitionException($"'{field}': an action needs a 'type'");
        var target = Text(action, "target") ?? throw new RuleDefinitionException($"'{field}': an action needs a 'target'");
        return RuleActionParser.Parse($"{type}:{target}", Integer(action, "qos") ?? qos);
    }

    private static string? Text(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new RuleDefinitionException($"'{field}' must be a string"),
    };

    private static bool? Boolean(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw new RuleDefinitionException($"'{field}' must be true or false"),
    };

    private static int? Integer(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => throw new RuleDefinitionException($"'{field}' must be a whole number"),
    };
}
