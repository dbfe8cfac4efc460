using System.Net;
using System.Net.Sockets;

namespace Pipeline.Cli.Supervision;

/// <summary>
/// Loopback ports for what only `up` itself talks to (a bridge behind the balancer, a second instance's /metrics).
/// Drawn below the kernel's ephemeral range, which outgoing connections take their local ports from: a port bind(0)
/// handed out could be taken by a client socket before the service binds it seconds later. Checked bindable, and never
/// handed out twice by this process; they stay the same across an instance's restarts (the balancer's
/// configuration names them).
/// </summary>
public static class PrivatePorts
{
    private const int Lowest = 20_000;
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
        throw new CliException($"No free loopback port between {Lowest} and {below} for the service instances.");
    }

    public static string HttpUrl() => $"http://127.0.0.1:{Next()}";

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
