using System.Net;
using System.Net.Sockets;

namespace Pipeline.TestSupport;

/// <summary>
/// Ports for a pipeline a test starts. A port the kernel hands out for bind(0) comes from the ephemeral range,
/// the same range outgoing connections take their local ports from: between the test picking it and a service
/// binding it seconds later, a client socket of a test running alongside could take it ("address already in
/// use", seen in CI). These ports are drawn below the ephemeral range instead, checked bindable, and never
/// handed out twice by this process.
/// </summary>
public static class FreePorts
{
    private const int Lowest = 10_000;
    private static readonly HashSet<int> Given = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        var below = EphemeralRangeStart();
        lock (Gate)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(Lowest, below);
                if (Given.Contains(port) || !Bindable(port)) continue;
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"No free port between {Lowest} and {below} after 1,000 tries.");
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0];
            return int.TryParse(first, out var start) && start > Lowest + 1_000 ? start : 32_768;
        }
        catch (IOException)
        {
            return 32_768;
        }
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
