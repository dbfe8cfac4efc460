using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pipeline.DeviceRegistry;
using Pipeline.WebConsole.Data;

namespace Pipeline.WebConsole.Pages;

/// <summary>The fleet: every registered device with presence, search and filters; add (token shown once) and revoke.</summary>
public sealed class FleetModel(FleetReader fleet) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? State { get; set; }
    [BindProperty(SupportsGet = true)] public string? Site { get; set; }

    public IReadOnlyList<FleetDevice> Devices { get; private set; } = [];
    public IReadOnlyList<string> Sites { get; private set; } = [];
    public int Total { get; private set; }
    public string? PresenceError { get; private set; }
    public string? Error { get; private set; }
    public DeviceAdded? Added { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAddAsync(string deviceId, string? attributes, CancellationToken ct)
    {
        try
        {
            Added = await fleet.AddAsync(deviceId ?? "", ParseAttributes(attributes), ct);
        }
        catch (Exception e) when (e is DeviceRegistryException or ArgumentException or FormatException)
        {
            Error = $"Device not added: {e.Message}";
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string deviceId, CancellationToken ct)
    {
        try
        {
            await fleet.RevokeAsync(deviceId ?? "", ct);
        }
        catch (Exception e) when (e is DeviceRegistryException or ArgumentException)
        {
            Error = $"Device not revoked: {e.Message}";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await LoadAsync(ct);
            return Page();
        }
        return RedirectToPage();
    }

    /// <summary>The just-added device's credentials as a file; posted back from the page, so the token is never in a URL.</summary>
    public IActionResult OnPostDownload(string deviceId, string token)
    {
        if (!DeviceIds.IsValid(deviceId ?? ""))
            return BadRequest("Invalid device id.");
        var body = $"{{\"deviceId\":{System.Text.Json.JsonSerializer.Serialize(deviceId)},\"token\":{System.Text.Json.JsonSerializer.Serialize(token)}}}\n";
        return File(Encoding.UTF8.GetBytes(body), "application/json", $"{deviceId}.credentials.json");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var (all, presenceError) = await fleet.ListAsync(ct);
        PresenceError = presenceError;
        Total = all.Count;
        Sites = all.Select(d => d.Site).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Devices = all.Where(d =>
                (string.IsNullOrWhiteSpace(Q) || d.Record.DeviceId.Contains(Q, StringComparison.OrdinalIgnoreCase)
                    || d.Record.Attributes.Any(a => a.Key.Contains(Q, StringComparison.OrdinalIgnoreCase) || a.Value.Contains(Q, StringComparison.OrdinalIgnoreCase)))
                && (string.IsNullOrEmpty(Site) || d.Site == Site)
                && State switch
                {
                    "connected" => d.Connected,
                    "disconnected" => !d.Connected && !d.Record.Revoked,
                    "revoked" => d.Record.Revoked,
                    _ => true,
                })
            .ToList();
    }

    private static Dictionary<string, string> ParseAttributes(string? text)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var at = line.IndexOf('=');
            if (at <= 0)
                throw new FormatException($"attribute line '{line}' is not key=value.");
            attributes[line[..at]] = line[(at + 1)..];
        }
        return attributes;
    }
}
