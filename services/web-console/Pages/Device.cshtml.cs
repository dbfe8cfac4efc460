using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pipeline.DeviceRegistry;
using Pipeline.WebConsole.Bridge;
using Pipeline.WebConsole.Data;

namespace Pipeline.WebConsole.Pages;

/// <summary>One device: its chart, shadow (edit desired with the version check), commands, events and rejected rows.</summary>
public sealed class DeviceModel(BridgeClient bridge, DeviceData data, ILogger<DeviceModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)] public string Id { get; set; } = "";
    [BindProperty(SupportsGet = true)] public string? Command { get; set; }

    public JsonNode? Shadow { get; private set; }
    public long? ShadowVersion { get; private set; }
    public string ShadowNote { get; private set; } = "";
    public JsonArray? CommandOutcomes { get; private set; }
    public IReadOnlyList<DeviceEvent> Events { get; private set; } = [];
    public IReadOnlyList<RejectedRow> Rejected { get; private set; } = [];
    public string? Message { get; private set; }
    public bool MessageIsError { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!DeviceIds.IsValid(Id))
            return BadRequest("Invalid device id.");
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostDesiredAsync(string? desired, long? version, CancellationToken ct)
    {
        if (!DeviceIds.IsValid(Id))
            return BadRequest("Invalid device id.");
        JsonNode? state;
        try
        {
            state = JsonNode.Parse(string.IsNullOrWhiteSpace(desired) ? "{}" : desired);
        }
        catch (JsonException e)
        {
            return await ShowAsync($"Desired state is not JSON: {e.Message}", true, ct);
        }
        if (state is not JsonObject)
            return await ShowAsync("Desired state must be a JSON object.", true, ct);
        var request = new JsonObject { ["state"] = new JsonObject { ["desired"] = state } };
        if (version is { } v)
            request["version"] = v;
        var answer = await bridge.UpdateShadowAsync(Id, request, ct);
        logger.LogInformation("Console updated the desired state of {DeviceId}: {Status}", Id, answer.Status);
        return answer.Ok
            ? await ShowAsync($"Desired state updated (version {answer.Body?["version"]}).", false, ct)
            : await ShowAsync($"Desired state not updated: {answer.Reason} (HTTP {answer.Status})", true, ct);
    }

    public async Task<IActionResult> OnPostCommandAsync(string? payload, CancellationToken ct)
    {
        if (!DeviceIds.IsValid(Id))
            return BadRequest("Invalid device id.");
        var answer = await bridge.SendCommandAsync(Id, payload ?? "", ct);
        if (!answer.Ok)
            return await ShowAsync($"Command not sent: {answer.Reason} (HTTP {answer.Status})", true, ct);
        return RedirectToPage(new { id = Id, command = answer.Body?["commandId"]?.GetValue<string>() });
    }

    public string Pretty(JsonNode? node) => node?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "{}";

    private async Task<IActionResult> ShowAsync(string message, bool error, CancellationToken ct)
    {
        (Message, MessageIsError) = (message, error);
        if (error)
            Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var shadow = bridge.GetShadowAsync(Id, ct);
        var events = data.EventsAsync(Id, ct);
        var rejected = data.RejectedAsync(Id, ct);
        var answer = await shadow;
        if (answer.Ok)
        {
            Shadow = answer.Body;
            ShadowVersion = answer.Body?["version"]?.GetValue<long>();
        }
        else
            ShadowNote = answer.Status == 404 ? "No shadow yet: set a desired state to create it." : $"Shadow unavailable: {answer.Reason} (HTTP {answer.Status})";
        if (Command is { Length: > 0 })
        {
            var outcome = await bridge.GetCommandAsync(Command, ct);
            CommandOutcomes = outcome.Ok ? outcome.Body?["outcomes"] as JsonArray : [new JsonObject { ["outcome"] = "unknown", ["detail"] = outcome.Reason }];
        }
        Events = await events;
        Rejected = await rejected;
    }
}
