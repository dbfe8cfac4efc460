using System.Diagnostics;

namespace Pipeline.Bench;

/// <summary>
/// A reconnect storm: N devices (10,000; `--connections`) that the bridge has never seen connect at once to a
/// freshly started bridge, against Debian's Mosquitto freshly started with a password file of the same ids and
/// tokens, same raw client and parallelism as the connections part (<see cref="IdleConnections"/>). The devices
/// are registered first (keyed token hashes, as `devices add` writes them under `up`); then the bridge is killed
/// (`kill -9`) and `up` restarts it, so it reads the whole registry at its start as after a crash, and nothing
/// about these devices is cached. The goal: at least Mosquitto's rate.
/// </summary>
internal static class ReconnectStorm
{
    private const string Prefix = "storm-";
    private const int WarmUpDevices = 1_000;

    public static async Task<IReadOnlyList<BenchResult>> RunAsync(PipelineUp pipeline, int count)
    {
        var name = $"reconnect storm: {count:N0} first connects to a restarted bridge";
        const string goal = ">= 1.00x Mosquitto";
        if (FileLimits.EnsureAtLeast(count + WarmUpDevices + 2_000) is { } limitProblem)
            return [BenchResult.Failed(name, goal, limitProblem)];

        // Besides the storm's devices: WarmUpDevices that warm the load generator up on the bridge about to be killed (so the
        // client's JIT work falls into neither server's storm), and one that only probes whether the restarted bridge admits devices.
        var registered = await IdleConnections.RegisterAsync(pipeline, count + WarmUpDevices + 1, Prefix);
        var devices = registered.Take(count).ToList();
        var probe = registered[^1];
        var before = pipeline.BridgeProcessId() ?? throw new InvalidOperationException("the bridge process of `up` was not found under /proc");
        await IdleConnections.WaitUntilAdmittedAsync(pipeline.MqttPort, probe);
        Console.Error.WriteLine($"warming the load generator up: {WarmUpDevices:N0} other devices connect to the bridge about to be killed, three times");
        await IdleConnections.WarmUpClientAsync(pipeline.MqttPort, registered.Skip(count).Take(WarmUpDevices).ToList());

        Console.Error.WriteLine($"killing the bridge (pid {before}); `up` restarts it");
        var restart = Stopwatch.StartNew();
        using (var process = Process.GetProcessById(before))
            process.Kill();
        var after = await RestartedBridgeAsync(pipeline, before);
        await IdleConnections.WaitUntilAdmittedAsync(pipeline.MqttPort, probe);
        Console.Error.WriteLine($"bridge restarted (pid {after}) and admitting devices after {restart.Elapsed.TotalSeconds:0.0} s");

        Console.Error.WriteLine($"storm: {count:N0} devices the new bridge has never seen, {IdleConnections.Parallel} connecting at a time");
        var bridge = await IdleConnections.MeasureAsync("storm bridge", pipeline.MqttPort, after, devices);
        Console.Error.WriteLine($"storm: the same {count:N0} devices to a fresh Mosquitto with their password file");
        var mosquitto = await IdleConnections.MosquittoAsync(devices);

        var notes = $"the devices were registered before the bridge was killed (kill -9) and restarted by `up`: its registry view is rebuilt at start and " +
                    $"no device was seen by it; raw MQTT 3.1.1 CONNECT/CONNACK client, {IdleConnections.Parallel} connects in flight, username + token on each, " +
                    $"warmed up before either server (three rounds of {WarmUpDevices:N0} other devices on the bridge before its kill). " +
                    "The bridge checks HMAC-SHA256 keyed with its token pepper (docs/operations.md, \"Device tokens\"); Mosquitto 2.0 its password file " +
                    "(its default PBKDF2-SHA512, 101 iterations). " +
                    $"accepted/refused: bridge {bridge.Accepted:N0}/{bridge.Refused:N0}, Mosquitto {mosquitto.Accepted:N0}/{mosquitto.Refused:N0}; " +
                    $"listen queue overflows: bridge {bridge.ListenOverflows:N0}, Mosquitto {mosquitto.ListenOverflows:N0}; " +
                    $"CPU per connect while connecting (/proc): {bridge.CpuPerConnect("bridge")}, {mosquitto.CpuPerConnect("Mosquitto")}.";
        if (bridge.Accepted < count)
            return [new BenchResult(name, $"{bridge.Accepted:N0}/{count:N0} accepted", $"{mosquitto.PerSecond:N0} conn/s (Mosquitto)", null, goal, "not every device was admitted; " + notes)];
        return [new BenchResult(name, $"{bridge.PerSecond:N0} conn/s", $"{mosquitto.PerSecond:N0} conn/s (Mosquitto)", bridge.PerSecond / mosquitto.PerSecond, goal, notes)];
    }

    private static async Task<int> RestartedBridgeAsync(PipelineUp pipeline, int before)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (pipeline.BridgeProcessId() is { } pid && pid != before)
                return pid;
            await Task.Delay(200);
        }
        throw new TimeoutException("`up` did not restart the bridge within 2 min of its kill");
    }
}
