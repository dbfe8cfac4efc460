using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.WebConsole.Bridge;

/// <summary>
/// The bridge's operator HTTP APIs (shadows, commands, rules: docs/shadows.md, docs/rules-api.md) with the operator
/// token, as the CLI calls them. An unreachable bridge becomes a 503 answer with the reason, shown on the page.
/// </summary>
public sealed class BridgeClient(HttpClient http)
{
    public Task<BridgeAnswer> GetShadowAsync(string deviceId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"shadows/{Uri.EscapeDataString(deviceId)}", null, null, ct);

    public Task<BridgeAnswer> UpdateShadowAsync(string deviceId, JsonNode request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"shadows/{Uri.EscapeDataString(deviceId)}", request.ToJsonString(), null, ct);

    public Task<BridgeAnswer> SendCommandAsync(string deviceId, string payload, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"commands/{Uri.EscapeDataString(deviceId)}", payload, null, ct);

    public Task<BridgeAnswer> GetCommandAsync(string commandId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"commands/{Uri.EscapeDataString(commandId)}", null, null, ct);

    public Task<BridgeAnswer> ListRulesAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "rules", null, null, ct);

    public Task<BridgeAnswer> GetRuleAsync(string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"rules/{Uri.EscapeDataString(name)}", null, null, ct);

    /// <summary>Creates or replaces; with a version, only onto that version (409 when someone changed it meanwhile).</summary>
    public Task<BridgeAnswer> PutRuleAsync(string name, JsonObject rule, long? version, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, $"rules/{Uri.EscapeDataString(name)}", rule.ToJsonString(), version is { } v ? $"\"{v}\"" : null, ct);

    public Task<BridgeAnswer> SetRuleEnabledAsync(string name, bool enabled, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"rules/{Uri.EscapeDataString(name)}/{(enabled ? "enable" : "disable")}", null, null, ct);

    public Task<BridgeAnswer> TestRuleAsync(JsonObject test, CancellationToken ct) => SendAsync(HttpMethod.Post, "rules/test", test.ToJsonString(), null, ct);

    private async Task<BridgeAnswer> SendAsync(HttpMethod method, string path, string? body, string? ifMatch, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (ifMatch is not null)
            request.Headers.IfMatch.Add(new EntityTagHeaderValue(ifMatch));
        try
        {
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonNode? json = null;
            try
            {
                json = text.Length > 0 ? JsonNode.Parse(text) : null;
            }
            catch (JsonException)
            {
                json = new JsonObject { ["message"] = text };
            }
            return new BridgeAnswer((int)response.StatusCode, json, response.Headers.ETag?.Tag.Trim('"'));
        }
        catch (HttpRequestException e)
        {
            return new BridgeAnswer((int)HttpStatusCode.ServiceUnavailable,
                new JsonObject { ["message"] = $"The bridge at {http.BaseAddress} is not reachable: {e.Message}" }, null);
        }
    }
}
