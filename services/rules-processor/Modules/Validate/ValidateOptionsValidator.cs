using Pipeline.Contracts;
using Microsoft.Extensions.Options;

namespace Pipeline.RulesProcessor.Modules.Validate;

/// <summary>Checked at start so a bad rule stops the service with the setting's name, not a surprise later.</summary>
public sealed class ValidateOptionsValidator : IValidateOptions<ValidateOptions>
{
    public ValidateOptionsResult Validate(string? name, ValidateOptions o)
    {
        var errors = new List<string>();
        const string s = ValidateOptions.SectionName;
        if (o.MaxMetrics < 1)
            errors.Add($"{s}:MaxMetrics must be at least 1 (was {o.MaxMetrics}).");
        if (o.MaxMetricNameLength is < 1 or > 255)
            errors.Add($"{s}:MaxMetricNameLength must be 1..255 (was {o.MaxMetricNameLength}).");
        if (o.MaxFutureSkew < TimeSpan.Zero)
            errors.Add($"{s}:MaxFutureSkew must not be negative (was {o.MaxFutureSkew}).");
        if (o.MaxAge <= TimeSpan.Zero)
            errors.Add($"{s}:MaxAge must be positive (was {o.MaxAge}).");
        if (string.IsNullOrWhiteSpace(o.ModelAttribute))
            errors.Add($"{s}:ModelAttribute must name a device attribute.");
        foreach (var (metric, range) in o.Ranges)
        {
            if (!MetricNames.IsValid(metric, o.MaxMetricNameLength))
                errors.Add($"{s}:Ranges:{metric} is not a valid metric name ({MetricNames.Rule}).");
            if (double.IsNaN(range.Min) || double.IsNaN(range.Max) || range.Min > range.Max)
                errors.Add($"{s}:Ranges:{metric} needs Min <= Max (was {range.Min}..{range.Max}).");
        }
        foreach (var (model, metrics) in o.RequiredMetrics)
            foreach (var metric in metrics ?? [])
                if (!MetricNames.IsValid(metric, o.MaxMetricNameLength))
                    errors.Add($"{s}:RequiredMetrics:{model} lists '{metric}', not a valid metric name ({MetricNames.Rule}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
