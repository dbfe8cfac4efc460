namespace Pipeline.Cli.Supervision;

/// <summary>One service process `up` runs: its binary, where its /healthz is, and the configuration it gets through the environment.</summary>
public sealed record ServiceSpec(string Name, string Assembly, string HttpUrl, IReadOnlyDictionary<string, string> Environment)
{
    public string HealthUrl => HttpUrl.TrimEnd('/') + "/healthz";
    public string MetricsUrl => HttpUrl.TrimEnd('/') + "/metrics";
}
