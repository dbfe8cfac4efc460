using Pipeline.ServiceDefaults.Networking;

namespace Pipeline.Cli.Supervision;

/// <summary>
/// Loopback ports for what only `up` itself talks to (a bridge behind the balancer, a second instance's /metrics):
/// below the ephemeral range (<see cref="LoopbackPorts"/>). They stay the same across an instance's restarts (the
/// balancer's configuration names them).
/// </summary>
public static class PrivatePorts
{
    private const int Lowest = 20_000;

    public static int Next() => LoopbackPorts.TryNext(Lowest)
        ?? throw new CliException($"No free loopback port between {Lowest} and {LoopbackPorts.EphemeralRangeStart(Lowest)} for the service instances.");

    public static string HttpUrl() => $"http://127.0.0.1:{Next()}";
}
