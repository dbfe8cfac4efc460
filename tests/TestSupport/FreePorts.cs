using Pipeline.ServiceDefaults.Networking;

namespace Pipeline.TestSupport;

/// <summary>
/// Ports for a pipeline a test starts: below the kernel's ephemeral range, where a client socket of a test running
/// alongside cannot take them before the service binds them (<see cref="LoopbackPorts"/>).
/// </summary>
public static class FreePorts
{
    private const int Lowest = 10_000;

    public static int Next() => LoopbackPorts.TryNext(Lowest)
        ?? throw new InvalidOperationException($"No free port between {Lowest} and {LoopbackPorts.EphemeralRangeStart(Lowest)} after 1,000 tries.");
}
