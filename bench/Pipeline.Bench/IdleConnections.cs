using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Confluent.SchemaRegistry;
using Pipeline.DeviceRegistry;

namespace Pipeline.Bench;

/// <summary>
/// N concurrent idle device connections (10,000; 1,000 with --quick) to the bridge under `up` and to
/// Debian's Mosquitto on a free port: connect rate and resident memory per connection of the server
/// process. Both get the same load generator (a raw MQTT 3.1.1 CONNECT/CONNACK client, same
/// parallelism) and both check a username and password on every CONNECT: the bridge against the
/// registry's keyed token hashes (registered here in bulk, one registry read, with the run's token
/// pepper), Mosquitto against a password file of the same ids and tokens (its own default hash).
/// </summary>
internal static class IdleConnections
{
    // Connects in flight. 200 overflowed Mosquitto's listen queue here (dropped SYNs, resent after 1 s),
    // which measured the client's retry timer more than the server; 64 overflowed neither.
    internal const int Parallel = 64;
    private const ushort KeepAliveSeconds = 600; // longer than the hold: no PINGREQ needed until the check at the end
    private const string Prefix = "idle-";

    public static async Task<IReadOnlyList<BenchResult>> RunAsync(PipelineUp pipeline, int count)
    {
        var rateName = $"connections: {count:N0} idle, connect rate";
        var memoryName = $"connections: {count:N0} idle, resident memory per connection";
        if (FileLimits.EnsureAtLeast(count + 2_000) is { } limitProblem)
            return [BenchResult.Failed(rateName, "-", limitProblem), BenchResult.Failed(memoryName, "-", limitProblem)];

        var devices = await RegisterAsync(pipeline, count, Prefix);
        var bridgePid = pipeline.BridgeProcessId() ?? throw new InvalidOperationException("the bridge process of `up` was not found under /proc");
        await WaitUntilAdmittedAsync(pipeline.MqttPort, devices[^1]);

        Console.Error.WriteLine($"bridge: {count:N0} connections, {Parallel} connecting at a time");
        var metricsUrl = JsonDocument.Parse(File.ReadAllText(Path.Combine(pipeline.StateDir, "endpoints.json"))).RootElement
            .GetProperty("metrics").GetProperty("bridge").GetString()!;
        var bridge = await MeasureAsync("bridge", pipeline.MqttPort, bridgePid, devices, () => ManagedBytesAsync(metricsUrl));
        // The same devices again: reconnects of devices the bridge has seen (and freed) before.
        Console.Error.WriteLine($"bridge again: the same {count:N0} devices reconnect");
        var bridgeAgain = await MeasureAsync("bridge again", pipeline.MqttPort, bridgePid, devices);
        Console.Error.WriteLine($"mosquitto: {count:N0} connections, same client, password file with the same ids and tokens");
        var mosquitto = await MosquittoAsync(devices);

        var rateNotes = $"raw MQTT 3.1.1 CONNECT/CONNACK client in the benchmark process, {Parallel} connects in flight, username + token on each; " +
                        "the bridge checks an HMAC-SHA256 keyed with its token pepper (first connect of each device), " +
                        $"Mosquitto 2.0 its password file (its default PBKDF2-SHA512, 101 iterations); " +
                        $"accepted/refused: bridge {bridge.Accepted:N0}/{bridge.Refused:N0}, Mosquitto {mosquitto.Accepted:N0}/{mosquitto.Refused:N0}; " +
                        $"listen queue overflows while connecting (dropped SYNs, /proc/net/netstat): bridge {bridge.ListenOverflows:N0}, Mosquitto {mosquitto.ListenOverflows:N0}; " +
                        $"answering a PINGREQ after the hold: bridge {bridge.AliveAfterHold:N0}, Mosquitto {mosquitto.AliveAfterHold:N0}; " +
                        $"the same devices reconnecting to the bridge: {bridgeAgain.PerSecond:N0} conn/s ({bridgeAgain.Accepted:N0} accepted); " +
                        $"CPU per connect while connecting (/proc): {bridge.CpuPerConnect("bridge")}, {mosquitto.CpuPerConnect("Mosquitto")}.";
        var memoryNotes = $"VmRSS of the server process with all connections open (after 3 s) minus before, / {count:N0}: " +
                          $"bridge {Mb(bridge.RssBefore)} -> {Mb(bridge.RssAfter)}, Mosquitto {Mb(mosquitto.RssBefore)} -> {Mb(mosquitto.RssAfter)}; ratio = bridge / Mosquitto (lower is better). " +
                          $"Of the bridge's growth, its managed heap (dotnet_total_memory_bytes on /metrics, no forced collection): " +
                          (bridge.ManagedBytesPerConnection is { } managed ? $"{managed / 1024:N1} KiB per connection." : "not available.");
        return
        [
            new BenchResult(rateName, $"{bridge.PerSecond:N0} conn/s", $"{mosquitto.PerSecond:N0} conn/s (Mosquitto)", bridge.PerSecond / mosquitto.PerSecond,
                "measured (no goal set)", rateNotes),
            new BenchResult(memoryName, $"{bridge.BytesPerConnection / 1024:N1} KiB", $"{mosquitto.BytesPerConnection / 1024:N1} KiB (Mosquitto)",
                mosquitto.BytesPerConnection > 0 ? bridge.BytesPerConnection / mosquitto.BytesPerConnection : null, "<= 8 KiB per connection at 10,000", memoryNotes),
        ];
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):N1} MiB";

    internal sealed record Measurement(int Accepted, int Refused, int AliveAfterHold, TimeSpan Elapsed, long RssBefore, long RssAfter, long ListenOverflows,
        long? ManagedBefore = null, long? ManagedAfter = null, double ServerCpuSeconds = 0, double ClientCpuSeconds = 0)
    {
        /// <summary>CPU of the server and of this load generator while connecting, per accepted connect: which side the rate was bound by.</summary>
        public string CpuPerConnect(string server) => Accepted == 0 ? "" :
            $"{server} {ServerCpuSeconds * 1e6 / Accepted:N0} µs (load generator {ClientCpuSeconds * 1e6 / Accepted:N0} µs)";

        public double? ManagedBytesPerConnection => ManagedBefore is { } b && ManagedAfter is { } a && Accepted > 0 ? (a - b) / (double)Accepted : null;

        public double PerSecond => Accepted / Elapsed.TotalSeconds;
        public double BytesPerConnection => Accepted == 0 ? 0 : (RssAfter - RssBefore) / (double)Accepted;
    }

    /// <summary>Adds the devices idle-00001... to the registry in one call (tokens are shown once: kept in memory here).</summary>
    internal static Task<IReadOnlyList<(string Id, string Token)>> RegisterAsync(PipelineUp pipeline, int count, string prefix) =>
        RegisterAsync(pipeline.StateDir, count, prefix);

    /// <summary>The same against any stack whose state folder holds endpoints.json and credentials.json (`up` or `devstack`).</summary>
    internal static async Task<IReadOnlyList<(string Id, string Token)>> RegisterAsync(string stateDir, int count, string prefix)
    {
        var endpoints = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDir, "endpoints.json"))).RootElement;
        var ids = Enumerable.Range(1, count).Select(i => prefix + i.ToString("00000", CultureInfo.InvariantCulture)).ToList();
        Console.Error.WriteLine($"registering {count:N0} devices (one registry read, tokens hashed in parallel)...");
        var watch = Stopwatch.StartNew();
        // The embedded Schema Registry takes registrations from its writer only (the run's credentials.json).
        var writer = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDir, "credentials.json"))).RootElement.GetProperty("schemaRegistry");
        using var schemaRegistry = new CachedSchemaRegistryClient(new SchemaRegistryConfig
        {
            Url = endpoints.GetProperty("schemaRegistry").GetString(),
            BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo,
            BasicAuthUserInfo = $"{writer.GetProperty("user").GetString()}:{writer.GetProperty("password").GetString()}",
        });
        // Keyed with the run's token pepper, as `devices add` does under `up`.
        var pepper = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDir, "credentials.json"))).RootElement.GetProperty("tokenPepper").GetString()!;
        using var registry = new DeviceRegistryClient(new Pipeline.ServiceDefaults.Kafka.KafkaClientFactory(new Pipeline.ServiceDefaults.KafkaOptions { BootstrapServers = endpoints.GetProperty("kafka").GetString()! }, "bench"), schemaRegistry)
        {
            Timeout = TimeSpan.FromMinutes(2),
            Pepper = TokenPepper.FromSecret(pepper),
        };
        var added = await registry.AddManyAsync(ids, new Dictionary<string, string>(), issueCertificate: false, CancellationToken.None);
        Console.Error.WriteLine($"{count:N0} devices registered in {watch.Elapsed.TotalSeconds:0.0} s");
        return added.Select(d => (d.DeviceId, d.Token)).ToList();
    }

    /// <summary>The bridge follows the registry topic: waits until it admits the last device added.</summary>
    internal static async Task WaitUntilAdmittedAsync(int port, (string Id, string Token) device)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var code = await RawMqtt.ConnectAsync(socket, port, device.Id, device.Token, KeepAliveSeconds);
            if (code == 0) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the bridge did not admit {device.Id} within 2 min (CONNACK {code})");
            await Task.Delay(250);
        }
    }

    /// <summary>The bridge's managed heap as its /metrics reports it (prometheus-net's dotnet_total_memory_bytes, GC.GetTotalMemory without a collection).</summary>
    private static async Task<long?> ManagedBytesAsync(string metricsUrl)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = await http.GetStringAsync(metricsUrl);
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal));
            return line is null ? null : (long)double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException)
        {
            return null;
        }
    }

    internal static async Task<Measurement> MeasureAsync(string label, int port, int serverPid, IReadOnlyList<(string Id, string Token)> devices,
        Func<Task<long?>>? managedBytes = null)
    {
        await Task.Delay(TimeSpan.FromSeconds(2)); // let the server settle before the "before" figure
        var rssBefore = ProcessMemory.ResidentBytes(serverPid);
        var managedBefore = managedBytes is null ? null : await managedBytes();
        var overflowsBefore = ListenQueue.Overflows();
        var serverCpuBefore = SustainedThroughput.CpuSeconds(serverPid);
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var (sockets, accepted, refused) = await ConnectAllAsync(label, port, devices, clock);
        var elapsed = clock.Elapsed;
        var serverCpu = SustainedThroughput.CpuSeconds(serverPid) - serverCpuBefore;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
        var overflows = ListenQueue.Overflows() - overflowsBefore;
        Console.Error.WriteLine($"  [{label}] {accepted:N0} connected in {elapsed.TotalSeconds:0.0} s ({accepted / elapsed.TotalSeconds:N0}/s), {refused:N0} refused, {overflows:N0} listen queue overflows; holding 3 s");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var rssAfter = ProcessMemory.ResidentBytes(serverPid);
        var managedAfter = managedBytes is null ? null : await managedBytes();
        // For a heap census of the server with every connection open (dotnet-gcdump, docs/operations.md): hold longer after measuring.
        if (int.TryParse(Environment.GetEnvironmentVariable("PIPELINE_BENCH_HOLD_SECONDS"), out var hold) && hold > 0)
        {
            Console.Error.WriteLine($"  [{label}] measured; holding the connections {hold} s more (PIPELINE_BENCH_HOLD_SECONDS), server pid {serverPid}");
            await Task.Delay(TimeSpan.FromSeconds(hold));
        }

        // Still there? One PINGREQ on each connection, a PINGRESP expected.
        var alive = 0;
        var open = sockets.Where(s => s is not null).Select(s => s!).ToList();
        await System.Threading.Tasks.Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = Parallel }, async (socket, _) =>
        {
            if (await RawMqtt.PingAsync(socket)) Interlocked.Increment(ref alive);
        });
        foreach (var socket in open) socket.Dispose();
        Console.Error.WriteLine($"  [{label}] {alive:N0} answered a PINGREQ; RSS {rssBefore / 1048576.0:N1} -> {rssAfter / 1048576.0:N1} MiB");
        return new Measurement(accepted, refused, alive, elapsed, rssBefore, rssAfter, overflows, managedBefore, managedAfter, serverCpu, clientCpu);
    }

    /// <summary>Connects every device, <see cref="Parallel"/> at a time, with progress each second; the accepted ones' sockets stay open.</summary>
    private static async Task<(Socket?[] Sockets, int Accepted, int Refused)> ConnectAllAsync(string label, int port,
        IReadOnlyList<(string Id, string Token)> devices, Stopwatch clock)
    {
        var sockets = new Socket?[devices.Count];
        int accepted = 0, refused = 0, next = -1;
        using (new Timer(_ => Console.Error.WriteLine(
                   $"  [{label}] {clock.Elapsed.TotalSeconds,5:0.0} s  {Volatile.Read(ref accepted),7:N0} / {devices.Count:N0} connected  {Volatile.Read(ref accepted) / Math.Max(clock.Elapsed.TotalSeconds, 0.001),7:N0} conn/s  refused {Volatile.Read(ref refused):N0}"),
                   null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))
        {
            var workers = Enumerable.Range(0, Parallel).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < devices.Count; i = Interlocked.Increment(ref next))
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    var code = await RawMqtt.ConnectAsync(socket, port, devices[i].Id, devices[i].Token, KeepAliveSeconds);
                    if (code == 0)
                    {
                        sockets[i] = socket;
                        Interlocked.Increment(ref accepted);
                    }
                    else
                    {
                        socket.Dispose();
                        Interlocked.Increment(ref refused);
                    }
                }
            })).ToList();
            await Task.WhenAll(workers);
        }
        return (sockets, accepted, refused);
    }

    /// <summary>
    /// Runs the load generator's connect path on devices that are not measured, then closes them: its own JIT work
    /// (tiering up the connect loop) is done before the first measured server, not during it. The server measured
    /// second would otherwise always face a warmer client.
    /// </summary>
    internal static async Task WarmUpClientAsync(int port, IReadOnlyList<(string Id, string Token)> devices)
    {
        for (var round = 0; round < 3; round++)
        {
            var (sockets, _, _) = await ConnectAllAsync("client warm-up", port, devices, Stopwatch.StartNew());
            foreach (var socket in sockets)
                socket?.Dispose();
            await JitSettledAsync();
        }
    }

    /// <summary>Until the runtime's background recompilation of hot methods (tiering up) has stopped: no method compiled for 300 ms (at most 5 s).</summary>
    private static async Task JitSettledAsync()
    {
        var deadline = Stopwatch.StartNew();
        var last = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < TimeSpan.FromMilliseconds(300) && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != last)
                (last, quiet) = (now, Stopwatch.StartNew());
        }
    }

    internal static async Task<Measurement> MosquittoAsync(IReadOnlyList<(string Id, string Token)> devices)
    {
        var port = PipelineUp.FreePort();
        var folder = Path.Combine(Path.GetTempPath(), $"bench-mosquitto-idle-{port}");
        Directory.CreateDirectory(folder);
        var passwords = Path.Combine(folder, "passwords");
        var config = Path.Combine(folder, "mosquitto.conf");
        try
        {
            File.WriteAllLines(passwords, devices.Select(d => $"{d.Id}:{d.Token}"));
            await using (var hash = ChildProcess.Start("mosquitto_passwd", "mosquitto_passwd", ["-U", passwords], echo: false))
            {
                if (await hash.WaitAsync(TimeSpan.FromMinutes(5)) != 0)
                    throw new InvalidOperationException($"mosquitto_passwd -U failed: {hash.Stdout}");
            }
            File.WriteAllText(config, $"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\nmax_connections -1\npersistence false\nuser root\n");
            await using var broker = ChildProcess.Start("mosquitto", "mosquitto", ["-c", config], echo: false);
            await PipelineUp.WaitForPortAsync(port);
            if (broker.HasExited)
                throw new InvalidOperationException($"mosquitto exited: {broker.Stdout}");
            return await MeasureAsync("mosquitto", port, broker.Id, devices);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>
/// The least a device does to hold a connection: MQTT 3.1.1 CONNECT with username and password, read
/// the CONNACK; PINGREQ/PINGRESP to check the connection is still served. No library per connection,
/// so 10,000 of them cost the load generator little on a 2-core machine.
/// </summary>
internal static class RawMqtt
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    /// <summary>The CONNACK return code (0 = accepted), or -1 when the server closed or did not answer within 60 s.</summary>
    public static async Task<int> ConnectAsync(Socket socket, int port, string clientId, string password, ushort keepAlive)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(new IPEndPoint(Loopback.Address, port), timeout.Token);
            await socket.SendAsync(Connect(clientId, clientId, password, keepAlive), SocketFlags.None, timeout.Token);
            var connAck = new byte[4];
            if (!await ReadExactlyAsync(socket, connAck, timeout.Token) || connAck[0] != 0x20 || connAck[1] != 0x02)
                return -1;
            return connAck[3];
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return -1;
        }
    }

    public static async Task<bool> PingAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.SendAsync(new byte[] { 0xC0, 0x00 }, SocketFlags.None, timeout.Token);
            var response = new byte[2];
            return await ReadExactlyAsync(socket, response, timeout.Token) && response[0] == 0xD0 && response[1] == 0x00;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    public static byte[] Connect(string clientId, string userName, string password, ushort keepAlive)
    {
        var body = new List<byte>();
        String(body, "MQTT");
        body.Add(4);                       // protocol level 3.1.1
        body.Add(0x80 | 0x40 | 0x02);      // user name, password, clean session
        body.Add((byte)(keepAlive >> 8));
        body.Add((byte)keepAlive);
        String(body, clientId);
        String(body, userName);
        String(body, password);
        var packet = new List<byte> { 0x10 };
        var length = body.Count;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        } while (length > 0);
        packet.AddRange(body);
        return [.. packet];
    }

    private static void String(List<byte> to, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)bytes.Length);
        to.AddRange(length.ToArray());
        to.AddRange(bytes);
    }
}

internal static class ListenQueue
{
    /// <summary>TcpExt ListenOverflows of this machine (all sockets), from /proc/net/netstat; 0 where it cannot be read.</summary>
    public static long Overflows()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/net/netstat").Where(l => l.StartsWith("TcpExt:", StringComparison.Ordinal)).ToList();
            if (lines.Count < 2) return 0;
            var index = Array.IndexOf(lines[0].Split(' '), "ListenOverflows");
            return index < 0 ? 0 : long.Parse(lines[1].Split(' ')[index], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

internal static class ProcessMemory
{
    /// <summary>VmRSS of a process from /proc, in bytes.</summary>
    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}

/// <summary>
/// Open-file limit of this process, which `up` (and so the bridge), Mosquitto and the load generator
/// inherit: raised to the hard limit when the soft one is too low for the connections.
/// </summary>
internal static partial class FileLimits
{
    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    /// <summary>Null when at least <paramref name="needed"/> files may be open; otherwise what is wrong.</summary>
    public static string? EnsureAtLeast(int needed)
    {
        if (GetRLimit(RlimitNofile, out var limit) != 0)
            return "getrlimit(RLIMIT_NOFILE) failed";
        if (limit.Current >= (ulong)needed)
            return null;
        if (limit.Maximum < (ulong)needed)
            return $"the open-file limit is {limit.Maximum} (hard); {needed} are needed: raise it (ulimit -Hn) and rerun";
        var raised = limit with { Current = limit.Maximum };
        return SetRLimit(RlimitNofile, raised) == 0 ? null : $"setrlimit(RLIMIT_NOFILE, {limit.Maximum}) failed";
    }

    public static ulong Current() => GetRLimit(RlimitNofile, out var limit) == 0 ? limit.Current : 0;
}
