using System.ComponentModel.DataAnnotations;

namespace Pipeline.WebConsole.Options;

/// <summary>
/// Section "Console": who may sign in and where the console finds the bridge's operator APIs and the services'
/// /metrics. Under `./pipeline up` these come from the environment (PIPELINE__Console__...); the token is the
/// operator token of .pipeline/credentials.json, never a committed file.
/// </summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>The operator token: what an operator types to sign in, and what the console sends to the bridge's operator APIs.</summary>
    [Required(ErrorMessage = "Console:OperatorToken must be set (the bridge's OperatorApi:Token; under ./pipeline up: operatorToken in .pipeline/credentials.json).")]
    [MinLength(16, ErrorMessage = "Console:OperatorToken must be at least 16 characters.")]
    public string OperatorToken { get; set; } = "";

    [Required(ErrorMessage = "Console:BridgeUrl must be the bridge's HTTP address (its operator APIs), e.g. http://127.0.0.1:9101.")]
    [Url(ErrorMessage = "Console:BridgeUrl must be an absolute http(s) URL.")]
    public string BridgeUrl { get; set; } = "http://127.0.0.1:9101";

    /// <summary>How long a sign-in lasts; not extended by use, so a forgotten browser stops being signed in.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00", ErrorMessage = "Console:SessionLifetime must be between 00:01:00 and 7.00:00:00.")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The services' /metrics by stage name (bridge, rules, sink), for the Pipeline page and per-rule counts.</summary>
    public Dictionary<string, string> Metrics { get; set; } = new()
    {
        ["bridge"] = "http://127.0.0.1:9101/metrics",
        ["rules"] = "http://127.0.0.1:9102/metrics",
        ["sink"] = "http://127.0.0.1:9103/metrics",
    };
}
