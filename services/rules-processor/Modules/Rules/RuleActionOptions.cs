using Microsoft.Extensions.Options;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>Section "Rules:Actions": how the rules module performs actions.</summary>
public sealed class RuleActionOptions
{
    public const string SectionName = "Rules:Actions";

    /// <summary>A republished command expires this long after the bridge received the record that made it (0 = never).</summary>
    public TimeSpan CommandExpiry { get; set; } = TimeSpan.FromMinutes(10);
}

public sealed class RuleActionOptionsValidator : IValidateOptions<RuleActionOptions>
{
    public ValidateOptionsResult Validate(string? name, RuleActionOptions o) =>
        o.CommandExpiry < TimeSpan.Zero || o.CommandExpiry > TimeSpan.FromDays(30)
            ? ValidateOptionsResult.Fail($"{RuleActionOptions.SectionName}:CommandExpiry must be 0 (never) to 30 days; was {o.CommandExpiry}.")
            : ValidateOptionsResult.Success;
}
