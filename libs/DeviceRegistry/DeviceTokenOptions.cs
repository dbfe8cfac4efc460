using System.ComponentModel.DataAnnotations;

namespace Pipeline.DeviceRegistry;

/// <summary>
/// Section "DeviceTokens": the token pepper (see <see cref="TokenPepper"/>), given as text or as a file holding it
/// (a container secret). Under `./pipeline up` it is generated at the first start into .pipeline/credentials.json
/// ("tokenPepper"); with compose it comes from .env (DEVICE_TOKEN_PEPPER). Every bridge of a fleet and every registry
/// writer must use the same one; changing it makes every keyed record refuse its token.
/// </summary>
public sealed class DeviceTokenOptions : IValidatableObject
{
    public const string SectionName = "DeviceTokens";

    public string? Pepper { get; set; }

    /// <summary>A file whose content (surrounding whitespace trimmed) is the pepper; used when <see cref="Pepper"/> is empty.</summary>
    public string? PepperFile { get; set; }

    /// <summary>Whether a pepper is configured at all (a registry writer without one falls back to PBKDF2).</summary>
    public bool IsConfigured => !string.IsNullOrEmpty(Pepper) || !string.IsNullOrEmpty(PepperFile);

    /// <summary>The configured pepper; null when none is configured. Throws when the configured one is unusable.</summary>
    public TokenPepper? Load()
    {
        if (!IsConfigured)
            return null;
        if (Problem() is { } problem)
            throw new InvalidOperationException(problem);
        return TokenPepper.FromSecret(Secret()!);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
            yield return new ValidationResult(
                $"{SectionName}:Pepper (or {SectionName}:PepperFile) is required: the server secret device tokens are hashed with " +
                "(at least 32 characters, e.g. `openssl rand -hex 32`; the same for every bridge and for `./pipeline devices`).",
                [nameof(Pepper)]);
        else if (Problem() is { } problem)
            yield return new ValidationResult(problem, [nameof(Pepper), nameof(PepperFile)]);
    }

    private string? Problem()
    {
        string? secret;
        try
        {
            secret = Secret();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{SectionName}:PepperFile '{PepperFile}' cannot be read: {e.Message}";
        }
        var setting = string.IsNullOrEmpty(Pepper) ? $"{SectionName}:PepperFile's content" : $"{SectionName}:Pepper";
        return TokenPepper.Problem(secret) is { } problem ? $"{setting} {problem}." : null;
    }

    private string? Secret() => !string.IsNullOrEmpty(Pepper) ? Pepper : File.ReadAllText(PepperFile!).Trim();
}
