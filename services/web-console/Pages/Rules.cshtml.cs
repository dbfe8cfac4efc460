using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pipeline.Cli.Status;
using Pipeline.WebConsole.Bridge;
using Pipeline.WebConsole.Status;

namespace Pipeline.WebConsole.Pages;

/// <summary>The stored rules (bridge rules API) with the processor's per-rule counts; enable and disable.</summary>
public sealed class RulesModel(BridgeClient bridge, StatusScraper status) : PageModel
{
    public IReadOnlyList<JsonNode> Rules { get; private set; } = [];
    public IReadOnlyDictionary<string, RuleStatus> Counts { get; private set; } = new Dictionary<string, RuleStatus>();
    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public Task<IActionResult> OnPostEnableAsync(string name, CancellationToken ct) => SetAsync(name, true, ct);

    public Task<IActionResult> OnPostDisableAsync(string name, CancellationToken ct) => SetAsync(name, false, ct);

    public static string Actions(JsonNode rule) =>
        string.Join(", ", (rule["actions"] as JsonArray ?? []).Select(a => $"{a?["type"]}:{a?["target"]}"));

    private async Task<IActionResult> SetAsync(string name, bool enabled, CancellationToken ct)
    {
        var answer = await bridge.SetRuleEnabledAsync(name ?? "", enabled, ct);
        if (answer.Ok)
            return RedirectToPage();
        Error = $"Rule '{name}' not {(enabled ? "enabled" : "disabled")}: {answer.Reason}";
        Response.StatusCode = answer.Status;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var counts = status.RuleCountsAsync(ct);
        var answer = await bridge.ListRulesAsync(ct);
        if (answer.Ok)
            Rules = (answer.Body as JsonArray ?? []).Where(r => r is not null).Select(r => r!).ToList();
        else
            Error ??= $"Rules unavailable: {answer.Reason}";
        Counts = (await counts).ToDictionary(c => c.Rule, StringComparer.Ordinal);
    }
}
