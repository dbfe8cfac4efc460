namespace Pipeline.Cli.Supervision;

/// <summary>
/// One process `up` supervises: a service instance (or the load balancer), the command that starts it, where its
/// /healthz and /metrics are, and the configuration it gets through the environment.
/// </summary>
/// <param name="Name">Unique among the processes: the service's name, with "-&lt;n&gt;" when it runs more than once.</param>
/// <param name="Service">The service this is an instance of (mqtt-bridge, rules-processor, sink-writer, balancer).</param>
public sealed record ServiceSpec(string Name, string Service, string Executable, IReadOnlyList<string> Arguments, string HttpUrl,
    IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>A .NET service of ours: `dotnet &lt;assembly&gt;`.</summary>
    public static ServiceSpec Dotnet(string name, string service, string assembly, string httpUrl, IReadOnlyDictionary<string, string> environment) =>
        new(name, service, "dotnet", [assembly], httpUrl, environment);

    public string HealthUrl => HttpUrl.TrimEnd('/') + "/healthz";
    public string MetricsUrl => HttpUrl.TrimEnd('/') + "/metrics";
}
