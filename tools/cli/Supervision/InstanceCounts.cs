namespace Pipeline.Cli.Supervision;

/// <summary>How many instances of each service `up` runs (--bridges, --processors, --sinks).</summary>
public sealed record InstanceCounts(int Bridges, int Processors, int Sinks)
{
    /// <summary>More would only share the 2 cores `up` is meant for; production runs instances on their own machines.</summary>
    public const int Max = 16;

    public static InstanceCounts One { get; } = new(1, 1, 1);

    /// <summary>A load balancer holds the public MQTT and HTTPS ports only when more than one bridge shares them.</summary>
    public bool NeedsBalancer => Bridges > 1;

    public void ThrowIfInvalid()
    {
        foreach (var (option, value) in new[] { ("--bridges", Bridges), ("--processors", Processors), ("--sinks", Sinks) })
            if (value is < 1 or > Max)
                throw new CliException($"{option} must be between 1 and {Max} (was {value}).", 2);
    }

    /// <summary>The process name of instance <paramref name="instance"/> (1-based): the service's own name when it runs once.</summary>
    public static string Name(string service, int instance, int count) => count == 1 ? service : $"{service}-{instance}";
}
