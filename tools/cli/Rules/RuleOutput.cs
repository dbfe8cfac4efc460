using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.RulesSql;
using Spectre.Console;

namespace Pipeline.Cli.Rules;

/// <summary>How `./pipeline rules` prints rules, test answers and the API's refusals.</summary>
public static class RuleOutput
{
    // A person reads this: keep quotes and non-ASCII as typed instead of \u0027.
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Json(JsonNode? node, bool indented = true) => node?.ToJsonString(indented ? Pretty : Compact) ?? "null";

    public static void Rule(JsonNode rule)
    {
        Console.WriteLine($"rule:        {rule["name"]}");
        Console.WriteLine($"enabled:     {((bool?)rule["enabled"] == true ? "yes" : "no")}");
        Console.WriteLine($"version:     {rule["version"]}");
        if (rule["description"] is { } description && description.GetValue<string>().Length > 0)
            Console.WriteLine($"description: {description}");
        Console.WriteLine($"sql:         {rule["sql"]}");
        foreach (var action in rule["actions"]?.AsArray() ?? [])
            Console.WriteLine($"action:      {Action(action)}");
        if (rule["errorAction"] is { } error)
            Console.WriteLine($"error action: {Action(error)}");
        Console.WriteLine($"created:     {Time(rule["createdTsMs"])}");
        Console.WriteLine($"updated:     {Time(rule["updatedTsMs"])}");
    }

    public static void Table(JsonArray rules)
    {
        // Piped (a file, grep, a test): no terminal width to fit, so rows stay whole instead of wrapping at 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 240;
        var table = new Table().Border(TableBorder.Rounded).AddColumns("rule", "enabled", "version", "FROM", "actions", "updated (UTC)");
        foreach (var rule in rules.OfType<JsonObject>())
            table.AddRow(
                Markup.Escape(rule["name"]?.GetValue<string>() ?? ""),
                (bool?)rule["enabled"] == true ? "yes" : "[yellow]no[/]",
                rule["version"]?.ToString() ?? "",
                Markup.Escape(FromTopic(rule["sql"]?.GetValue<string>())),
                Markup.Escape(string.Join(", ", (rule["actions"]?.AsArray() ?? []).Select(Action))),
                Time(rule["updatedTsMs"]));
        AnsiConsole.Write(table);
        Console.WriteLine($"{rules.Count} rule(s)");
    }

    /// <summary>The answer of POST /rules/test: the result, and where each action would send it.</summary>
    public static void TestAnswer(JsonNode answer)
    {
        if ((bool?)answer["matched"] != true)
        {
            Console.WriteLine((bool?)answer["topicMatched"] == true
                ? "no match: the WHERE clause is not true for this message (nothing would be sent)"
                : "no match: the topic does not match the rule's FROM (nothing would be sent)");
            return;
        }
        Console.WriteLine("result:");
        Console.WriteLine(Json(answer["result"]));
        var actions = answer["actions"]?.AsArray() ?? [];
        Console.WriteLine(actions.Count == 0 ? "actions: none given" : "actions:");
        foreach (var action in actions)
            Console.WriteLine($"  {action!["type"]}: {action["target"]}{(action["qos"] is { } qos ? $" (QoS {qos})" : "")}");
        if (answer["enabled"] is { } enabled && !(bool)enabled!)
            Console.WriteLine("note: the rule is disabled; it runs on no message until enabled.");
    }

    /// <summary>
    /// The API's refusal on stderr; when it points into the statement, the statement with a caret under the column,
    /// e.g. "  SELECT lowr(x) FROM 'a'" / "         ^".
    /// </summary>
    public static void Refusal(int status, JsonNode body, string? sql)
    {
        var message = body["error"]?.GetValue<string>() ?? body["message"]?.GetValue<string>() ?? Json(body, indented: false);
        Console.Error.WriteLine($"error: {message} (HTTP {status})");
        if (sql is null || body["field"]?.GetValue<string>() != "sql" || body["line"] is null || body["column"] is null)
            return;
        var lines = sql.Split('\n');
        var line = (int)body["line"]!;
        var column = (int)body["column"]!;
        if (line < 1 || line > lines.Length)
            return;
        var text = lines[line - 1].TrimEnd('\r');
        // Tabs keep their width on the caret line so the caret stays under the character.
        var pad = new string([.. text.Take(Math.Max(0, column - 1)).Select(c => c == '\t' ? '\t' : ' ')]);
        Console.Error.WriteLine($"  {text}");
        Console.Error.WriteLine($"  {pad}^ {body["reason"]}");
    }

    private static string Action(JsonNode? action) =>
        action is null ? "" : $"{action["type"]}:{action["target"]}{((string?)action["type"] == "republish" && action["qos"] is { } q ? $" (QoS {q})" : "")}";

    private static string FromTopic(string? sql)
    {
        try
        {
            return sql is null ? "" : RuleSql.Compile(sql).TopicFilter.Text;
        }
        catch (RuleSqlException)
        {
            return "?";
        }
    }

    private static string Time(JsonNode? ms) =>
        ms is null ? "" : DateTimeOffset.FromUnixTimeMilliseconds((long)ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss");
}
