using System.ComponentModel.DataAnnotations;

namespace Pipeline.MqttBridge.Options;

/// <summary>The HTTP shadow API for applications (GET/POST /shadows/&lt;id&gt;). Section "ShadowApi"; its token is <see cref="OperatorApiOptions"/>.</summary>
public sealed class ShadowApiOptions
{
    public const string SectionName = "ShadowApi";

    /// <summary>How long a request waits for the shadow writer's answer before it gets 504.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:02:00", ErrorMessage = "ShadowApi:AnswerTimeout must be between 0.1 s and 2 min.")]
    public TimeSpan AnswerTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
