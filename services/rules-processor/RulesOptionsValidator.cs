using Microsoft.Extensions.Options;
using Pipeline.RulesProcessor.Topology;

namespace Pipeline.RulesProcessor;

/// <summary>Checks the Rules section, including that every listed module exists, once, at start.</summary>
public sealed class RulesOptionsValidator(IEnumerable<ITopologyModule> modules) : IValidateOptions<RulesOptions>
{
    public ValidateOptionsResult Validate(string? name, RulesOptions o)
    {
        const string s = RulesOptions.SectionName;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.ApplicationId) || o.ApplicationId.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-')))
            errors.Add($"{s}:ApplicationId must be letters, digits, '.', '_' or '-' (it prefixes topic names); was '{o.ApplicationId}'.");
        if (o.StreamThreads is < 1 or > 64)
            errors.Add($"{s}:StreamThreads must be 1..64 (was {o.StreamThreads}).");
        if (o.CommitInterval < TimeSpan.FromMilliseconds(10) || o.CommitInterval > TimeSpan.FromMinutes(5))
            errors.Add($"{s}:CommitInterval must be between 00:00:00.010 and 00:05:00 (was {o.CommitInterval}).");
        if (o.ProducerLinger < TimeSpan.Zero || o.ProducerLinger > TimeSpan.FromSeconds(5))
            errors.Add($"{s}:ProducerLinger must be between 00:00:00 and 00:00:05 (was {o.ProducerLinger}).");
        if (o.PollInterval < TimeSpan.FromMilliseconds(1) || o.PollInterval > TimeSpan.FromSeconds(5))
            errors.Add($"{s}:PollInterval must be between 00:00:00.001 and 00:00:05 (was {o.PollInterval}).");
        if (!new[] { "none", "gzip", "snappy", "lz4", "zstd" }.Contains(o.Compression, StringComparer.OrdinalIgnoreCase))
            errors.Add($"{s}:Compression must be one of none, gzip, snappy, lz4, zstd (was '{o.Compression}').");
        var known = modules.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var module in o.EnabledModules)
            if (!known.Contains(module))
                errors.Add($"{s}:Modules lists '{module}', which is not a module; known: {string.Join(", ", known.Order())}.");
        foreach (var duplicate in o.EnabledModules.GroupBy(m => m).Where(g => g.Count() > 1))
            errors.Add($"{s}:Modules lists '{duplicate.Key}' more than once.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
