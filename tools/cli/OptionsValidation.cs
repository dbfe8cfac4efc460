using System.ComponentModel.DataAnnotations;

namespace Pipeline.Cli;

/// <summary>Validates an options object the way the services do at start, for commands that run no host.</summary>
public static class OptionsValidation
{
    public static void ThrowIfInvalid(object options)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            throw new CliException(string.Join(Environment.NewLine, results.Select(r => r.ErrorMessage)));
    }
}

/// <summary>A failure the user can act on: printed without a stack trace, exit code 1 (or the one given).</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
