using System.ComponentModel.DataAnnotations;

namespace Pipeline.MqttBridge.Options;

/// <summary>
/// The operator APIs on the bridge's HTTP port (shadows, rules). Section "OperatorApi". Under `./pipeline up`
/// the token is the one generated into .pipeline/credentials.json ("operatorToken"); elsewhere it is configured.
/// </summary>
public sealed class OperatorApiOptions : IValidatableObject
{
    public const string SectionName = "OperatorApi";
    public const int MinTokenLength = 16;

    /// <summary>The name this setting had when only the shadow API used it; still read when OperatorApi:Token is unset.</summary>
    public const string LegacyTokenSetting = "ShadowApi:OperatorToken";

    /// <summary>
    /// The token applications send as <c>Authorization: Bearer &lt;token&gt;</c>. Empty: the operator APIs are off
    /// and answer 503 to everyone (never open without a token).
    /// </summary>
    public string? Token { get; set; }

    public bool IsEnabled => !string.IsNullOrEmpty(Token);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Token is not { Length: > 0 } token)
            yield break;
        if (token.Length < MinTokenLength || token.Any(c => c <= ' ' || c > '~'))
            yield return new ValidationResult(
                $"OperatorApi:Token (or {LegacyTokenSetting}) must be at least {MinTokenLength} printable ASCII characters without spaces (or empty to turn the operator APIs off).",
                [nameof(Token)]);
    }
}
