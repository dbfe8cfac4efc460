using Microsoft.Extensions.Options;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>Section "Rules:Actions": how the rules module performs actions.</summary>
public sealed class RuleActionOptions
{
    public const string SectionName = "Rules:Actions";

    /// <summary>A republished command expires this long after the bridge received the record that made it (0 = never).</summary>
    public TimeSpan CommandExpiry { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether this instance posts the http actions' requests (iot.rule.http); one group shares them.</summary>
    public bool WebhooksEnabled { get; set; } = true;

    /// <summary>Consumer group of the webhook dispatcher (instances share the requests).</summary>
    public string WebhookGroupId { get; set; } = "rules-processor-webhooks";

    /// <summary>How long one POST may take.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt (connection errors, timeouts, 408, 429, 5xx); then the error action.</summary>
    public int WebhookRetries { get; set; } = 5;

    /// <summary>First delay between attempts; doubled each time (with jitter) up to <see cref="WebhookMaxBackoff"/>.</summary>
    public TimeSpan WebhookBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan WebhookMaxBackoff { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class RuleActionOptionsValidator : IValidateOptions<RuleActionOptions>
{
    public ValidateOptionsResult Validate(string? name, RuleActionOptions o)
    {
        var at = RuleActionOptions.SectionName;
        var errors = new List<string>();
        if (o.CommandExpiry < TimeSpan.Zero || o.CommandExpiry > TimeSpan.FromDays(30))
            errors.Add($"{at}:CommandExpiry must be 0 (never) to 30 days; was {o.CommandExpiry}.");
        if (string.IsNullOrWhiteSpace(o.WebhookGroupId))
            errors.Add($"{at}:WebhookGroupId must name a consumer group.");
        if (o.WebhookTimeout <= TimeSpan.Zero || o.WebhookTimeout > TimeSpan.FromMinutes(5))
            errors.Add($"{at}:WebhookTimeout must be above 0 and at most 5 minutes; was {o.WebhookTimeout}.");
        if (o.WebhookRetries is < 0 or > 20)
            errors.Add($"{at}:WebhookRetries must be 0..20 (a failing endpoint holds its outbox partition for the retries); was {o.WebhookRetries}.");
        if (o.WebhookBackoff <= TimeSpan.Zero || o.WebhookMaxBackoff < o.WebhookBackoff || o.WebhookMaxBackoff > TimeSpan.FromMinutes(5))
            errors.Add($"{at}:WebhookBackoff must be above 0 and WebhookMaxBackoff between it and 5 minutes.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
