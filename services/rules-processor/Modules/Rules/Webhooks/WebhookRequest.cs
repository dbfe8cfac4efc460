using System.Text.Json;

namespace Pipeline.RulesProcessor.Modules.Rules.Webhooks;

/// <summary>An http action's request as the rules module wrote it to iot.rule.http (<see cref="RuleEnvelopes.Http"/>).</summary>
public sealed record WebhookRequest(string Url, string IdempotencyKey, string Rule, long Version, int Action, string DeviceId, string BodyJson)
{
    /// <summary>Null when the bytes are not such an envelope.</summary>
    public static WebhookRequest? TryRead(byte[]? value)
    {
        try
        {
            using var document = JsonDocument.Parse(value ?? []);
            var root = document.RootElement;
            return new WebhookRequest(
                root.GetProperty("url").GetString()!, root.GetProperty("idempotencyKey").GetString()!, root.GetProperty("rule").GetString()!,
                root.GetProperty("version").GetInt64(), root.GetProperty("action").GetInt32(), root.GetProperty("deviceId").GetString() ?? "",
                root.GetProperty("body").GetRawText());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            return null;
        }
    }
}
