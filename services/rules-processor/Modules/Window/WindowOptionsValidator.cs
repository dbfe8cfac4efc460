using Microsoft.Extensions.Options;

namespace Pipeline.RulesProcessor.Modules.Window;

public sealed class WindowOptionsValidator : IValidateOptions<WindowOptions>
{
    public ValidateOptionsResult Validate(string? name, WindowOptions o)
    {
        const string s = WindowOptions.SectionName;
        var errors = new List<string>();
        if (o.Size < TimeSpan.FromSeconds(1) || o.Size > TimeSpan.FromDays(1) || o.Size.Ticks % TimeSpan.TicksPerMillisecond != 0)
            errors.Add($"{s}:Size must be whole milliseconds between 00:00:01 and 1.00:00:00 (was {o.Size}).");
        if (o.Grace < TimeSpan.Zero || o.Grace > TimeSpan.FromDays(1))
            errors.Add($"{s}:Grace must be between 0 and 1.00:00:00 (was {o.Grace}).");
        if (o.IdleTimeout < o.Size + o.Grace)
            errors.Add($"{s}:IdleTimeout must be at least Size + Grace ({o.Size + o.Grace}), or a stopped device's window would close before its grace ends (was {o.IdleTimeout}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
