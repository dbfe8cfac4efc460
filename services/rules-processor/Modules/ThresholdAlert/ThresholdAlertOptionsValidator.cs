using Pipeline.Contracts;
using Microsoft.Extensions.Options;
using Pipeline.RulesProcessor.Modules.Validate;

namespace Pipeline.RulesProcessor.Modules.ThresholdAlert;

public sealed class ThresholdAlertOptionsValidator : IValidateOptions<ThresholdAlertOptions>
{
    public ValidateOptionsResult Validate(string? name, ThresholdAlertOptions o)
    {
        var errors = new List<string>();
        for (var i = 0; i < o.Rules.Count; i++)
        {
            var rule = o.Rules[i];
            var at = $"{ThresholdAlertOptions.SectionName}:Rules:{i}";
            if (!MetricNames.IsValid(rule.Metric, 255))
                errors.Add($"{at}:Metric must name a metric ({MetricNames.Rule}); was '{rule.Metric}'.");
            if (!double.IsFinite(rule.Above))
                errors.Add($"{at}:Above must be a finite number.");
            if (rule.Consecutive is < 1 or > 1_000_000)
                errors.Add($"{at}:Consecutive must be 1..1000000 (was {rule.Consecutive}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
