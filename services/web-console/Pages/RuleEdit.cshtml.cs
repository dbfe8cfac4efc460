using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pipeline.WebConsole.Bridge;

namespace Pipeline.WebConsole.Pages;

/// <summary>
/// Create or edit a rule through the rules API (PUT with If-Match on the version read, so a change made meanwhile
/// is refused, not overwritten), with the compiler's error shown under its line and column; test the statement as
/// written against a sample message.
/// </summary>
public sealed class RuleEditModel(BridgeClient bridge) : PageModel
{
    [BindProperty(SupportsGet = true)] public string Name { get; set; } = "";
    [BindProperty] public string Sql { get; set; } = "SELECT * FROM 'devices/+/telemetry'";
    [BindProperty] public string Actions { get; set; } = "";
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public long? Version { get; set; }
    [BindProperty] public string TestTopic { get; set; } = "devices/d1/telemetry";
    [BindProperty] public string TestPayload { get; set; } = "{\"temperature\": 21.5}";

    public string? Error { get; private set; }
    public string? ErrorLine { get; private set; }
    public string? Caret { get; private set; }
    public string? Saved { get; private set; }
    public string? TestResult { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (string.IsNullOrEmpty(Name))
            return Page();
        var answer = await bridge.GetRuleAsync(Name, ct);
        if (!answer.Ok)
        {
            Error = $"Rule '{Name}': {answer.Reason}";
            Response.StatusCode = answer.Status;
            return Page();
        }
        Fill(answer.Body!);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken ct)
    {
        var body = new JsonObject { ["sql"] = Sql, ["actions"] = ActionList(), ["description"] = Description ?? "" };
        var answer = await bridge.PutRuleAsync(Name ?? "", body, Version, ct);
        if (!answer.Ok)
        {
            ShowError(answer);
            return Page();
        }
        Fill(answer.Body!);
        Saved = $"Rule '{Name}' saved (version {Version}).";
        return Page();
    }

    public async Task<IActionResult> OnPostTestAsync(string? topic, string? payload, CancellationToken ct)
    {
        var test = new JsonObject { ["sql"] = Sql, ["topic"] = topic ?? "", ["payload"] = payload ?? "" };
        if (ActionList().Count > 0)
            test["actions"] = ActionList();
        var answer = await bridge.TestRuleAsync(test, ct);
        if (answer.Ok)
            TestResult = answer.Body?.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        else
            ShowError(answer);
        return Page();
    }

    private JsonArray ActionList() =>
        new((Actions ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());

    private void Fill(JsonNode rule)
    {
        Name = rule["name"]?.GetValue<string>() ?? Name;
        Sql = rule["sql"]?.GetValue<string>() ?? "";
        Actions = string.Join('\n', (rule["actions"] as JsonArray ?? []).Select(a => $"{a?["type"]}:{a?["target"]}"));
        Description = rule["description"]?.GetValue<string>();
        Version = rule["version"]?.GetValue<long>();
    }

    /// <summary>The API's reason; for a statement error, the statement's line with a caret under the column.</summary>
    private void ShowError(BridgeAnswer answer)
    {
        Response.StatusCode = answer.Status;
        var field = answer.Body?["field"]?.GetValue<string>();
        Error = field is null || answer.Reason.StartsWith(field + ":", StringComparison.Ordinal) ? answer.Reason : $"{field}: {answer.Reason}";
        if (answer.Body?["line"]?.GetValue<int>() is { } line && answer.Body?["column"]?.GetValue<int>() is { } column)
        {
            var lines = (Sql ?? "").Split('\n');
            if (line >= 1 && line <= lines.Length)
            {
                ErrorLine = lines[line - 1].TrimEnd('\r');
                Caret = new string(' ', Math.Max(0, column - 1)) + "^ " + (answer.Body?["reason"]?.GetValue<string>() ?? "");
            }
        }
    }
}
