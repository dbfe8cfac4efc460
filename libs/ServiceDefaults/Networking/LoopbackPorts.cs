using System.Net;
using System.Net.Sockets;

namespace Pipeline.ServiceDefaults.Networking;

/// <summary>
/// Loopback ports for a service that something on this machine starts a moment later (`up`'s private instance
/// ports, a test's pipeline). A port bind(0) hands out comes from the kernel's ephemeral range, the range outgoing
/// connections take their local ports from: between picking it and the service binding it, a client socket could
/// take it ("address already in use", seen in CI). These are drawn below the ephemeral range instead, checked
/// bindable, and never handed out twice by this process.
/// </summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> Given = [];
    private static readonly Lock Gate = new();

    /// <summary>A port from <paramref name="lowest"/> up to the ephemeral range; null when 1,000 tries found none.</summary>
    public static int? TryNext(int lowest)
    {
        var below = EphemeralRangeStart(lowest);
        lock (Gate)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(lowest, below);
                if (Given.Contains(port) || !Bindable(port)) continue;
                Given.Add(port);
                return port;
            }
        }
        return null;
    }

    /// <summary>The first port of the kernel's ephemeral range (32,768 when it cannot be read or leaves too little room).</summary>
    public static int EphemeralRangeStart(int lowest)
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0];
            return int.TryParse(first, out var start) && start > lowest + 1_000 ? start : 32_768;
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
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
