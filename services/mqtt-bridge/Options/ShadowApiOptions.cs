using System.ComponentModel.DataAnnotations;

namespace Pipeline.MqttBridge.Options;

/// <summary>The HTTP shadow API for applications (GET/POST /shadows/&lt;id&gt;). Section "ShadowApi".</summary>
public sealed class ShadowApiOptions : IValidatableObject
{
    public const string SectionName = "ShadowApi";
    public const int MinTokenLength = 16;

    /// <summary>
    /// The operator token applications send as <c>Authorization: Bearer &lt;token&gt;</c>. Empty: the API is off
    /// and answers 503 to everyone (never open without a token).
    /// </summary>
    public string? OperatorToken { get; set; }

    /// <summary>How long a request waits for the shadow writer's answer before it gets 504.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:02:00", ErrorMessage = "ShadowApi:AnswerTimeout must be between 0.1 s and 2 min.")]
    public TimeSpan AnswerTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsEnabled => !string.IsNullOrEmpty(OperatorToken);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OperatorToken is not { Length: > 0 } token)
            yield break;
        if (token.Length < MinTokenLength || token.Any(c => c <= ' ' || c > '~'))
            yield return new ValidationResult(
                $"ShadowApi:OperatorToken must be at least {MinTokenLength} printable ASCII characters without spaces (or empty to turn the shadow API off).",
                [nameof(OperatorToken)]);
    }
}
