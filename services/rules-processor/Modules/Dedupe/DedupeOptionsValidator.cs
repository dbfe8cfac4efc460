using Microsoft.Extensions.Options;

namespace Pipeline.RulesProcessor.Modules.Dedupe;

public sealed class DedupeOptionsValidator : IValidateOptions<DedupeOptions>
{
    public ValidateOptionsResult Validate(string? name, DedupeOptions o) =>
        o.Window >= TimeSpan.FromSeconds(1) && o.Window <= TimeSpan.FromDays(7)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{DedupeOptions.SectionName}:Window must be between 00:00:01 and 7.00:00:00 (was {o.Window}).");
}
