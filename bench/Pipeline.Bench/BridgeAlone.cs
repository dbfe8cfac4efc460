using System.Globalization;
using System.Text.Json;

namespace Pipeline.Bench;

/// <summary>
/// Issue 17's bridge goal: ONE bridge process (the Release build, production settings: Kafka acks=all and
/// idempotence, PUBACK only after Kafka acknowledged) against only what it needs, `./pipeline devstack`'s
/// embedded Kafka and Schema Registry in a private state folder, with no processor or sink consuming behind
/// it; against Mosquitto acknowledging the same load with no subscriber, in the same run.
/// </summary>
internal static class BridgeAlone
{
    private const string Goal = ">= 1.0x Mosquitto";
    private const string Name = "bridge alone: QoS 1 msg/s acknowledged";

    public static async Task<IReadOnlyList<BenchResult>> RunAsync(TimeSpan duration)
    {
        var stateDir = Path.Combine(Path.GetTempPath(), $"pipeline-bench-alone-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(stateDir);
        try
        {
            await using var stack = await StartStackAsync(stateDir);
            var connections = ConnectionCount();
            var devices = await IdleConnections.RegisterAsync(stateDir, connections, "alone-");
            var name = connections == BridgeVsMosquitto.Connections ? Name : $"{Name} ({connections} connections, not the goal's load)";
            // The load generator's own warm-up (its MQTT client code is compiled on first use): otherwise the first
            // server measured pays for it; seen as a third fewer msg/s for the first of two identical bridge builds.
            Console.Error.WriteLine("warm-up: the same load against Mosquitto, not counted");
            await BridgeVsMosquitto.MosquittoAsync(devices.Select(d => (d.Id, (string?)null)).ToList(), TimeSpan.FromSeconds(5), subscriber: false);
            // A build to compare with (e.g. the bridge before a change), measured first on the same stack in the same run.
            var baselineDll = Environment.GetEnvironmentVariable(BaselineVariable) is { Length: > 0 } b ? b : null;
            var baseline = baselineDll is null ? null : await MeasureAsync("bridge baseline", baselineDll, stateDir, stack.Id, devices, duration);
            var measured = await MeasureAsync("bridge alone", BenchPaths.Output("services/mqtt-bridge", "Pipeline.MqttBridge"), stateDir, stack.Id, devices, duration);
            var ours = measured.Warm;
            var loadDuringBridge = LoadAverage();
            Console.Error.WriteLine("mosquitto: same load, no subscriber");
            var bare = await BridgeVsMosquitto.MosquittoAsync(devices.Select(d => (d.Id, (string?)null)).ToList(), duration, subscriber: false, warmUp: WarmUp);
            var results = new List<BenchResult>();
            if (baseline is not null)
                results.Add(new BenchResult(name + ", baseline build", $"{baseline.Warm.PerSecond:N0} msg/s", $"{bare.PerSecond:N0} msg/s (Mosquitto, no subscriber)",
                    baseline.Warm.PerSecond / bare.PerSecond, Goal, $"{baselineDll} ({BaselineVariable}), measured just before the current build on the same stack; refused {baseline.Warm.Refused}; " +
                    $"CPU per acknowledged message: bridge {baseline.BridgeCpuMicros:0.0} us, embedded Kafka {baseline.StackCpuMicros:0.0} us."));
            return
            [
                .. results,
                new BenchResult(name + " vs Mosquitto with no subscriber", $"{ours.PerSecond:N0} msg/s", $"{bare.PerSecond:N0} msg/s (Mosquitto, no subscriber)",
                    ours.PerSecond / bare.PerSecond, Goal,
                    $"One bridge process on `devstack`'s embedded Kafka and Schema Registry only (no processor or sink), production settings (acks=all, idempotent producer, PUBACK after Kafka); " +
                    $"{connections} MQTT 5 connections x {BridgeVsMosquitto.InFlight} pipelined QoS 1 publishes, ~50-byte JSON, {duration.TotalSeconds:0} s after {WarmUp.TotalSeconds:0} s of the same load on each server, not counted; refused: bridge {ours.Refused}, Mosquitto {bare.Refused}; the bridge's first {WarmUp.TotalSeconds:0} s after its start (not counted): {measured.Cold.PerSecond:N0} msg/s; " +
                    $"CPU per acknowledged message: bridge {measured.BridgeCpuMicros:0.0} us, embedded Kafka (`devstack`) {measured.StackCpuMicros:0.0} us; " +
                    $"load average {loadDuringBridge} after the bridge's run, {LoadAverage()} after Mosquitto's."),
            ];
        }
        finally
        {
            try { Directory.Delete(stateDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Each server measured gets the same load this long first, not counted: the figure is what a running server
    /// acknowledges, as in production, where a bridge runs for days. Without it a bridge started for the run compiles
    /// its hot path (tiered JIT) inside the measured seconds: a quarter of its CPU in a 20 s run (docs/operations.md).
    /// </summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Set to another connection count than the goal's 8 (1-1000, each with 100 in flight): fewer connections make the
    /// bridge wait for Kafka's acknowledgement rather than for CPU (2 x 100 measured the early send, docs/operations.md).
    /// </summary>
    public const string ConnectionsVariable = "PIPELINE_BENCH_ALONE_CONNECTIONS";

    private static int ConnectionCount() =>
        Environment.GetEnvironmentVariable(ConnectionsVariable) is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1000
                ? n
                : throw new InvalidOperationException($"{ConnectionsVariable}={text}: give a whole number of connections from 1 to 1000")
            : BridgeVsMosquitto.Connections;

    /// <summary>Set to another build's Pipeline.MqttBridge.dll to measure it too, before the current one (before/after a change in one run).</summary>
    public const string BaselineVariable = "PIPELINE_BENCH_BRIDGE_BASELINE";

    /// <summary>Starts one bridge process from <paramref name="dll"/>, waits until it admits the devices, runs the load, stops it.</summary>
    private static async Task<Measured> MeasureAsync(string label, string dll, string stateDir, int stackPid, IReadOnlyList<(string Id, string Token)> devices, TimeSpan duration)
    {
        var tcpPort = PipelineUp.FreePort();
        await using var bridge = StartBridge(dll, stateDir, tcpPort);
        await IdleConnections.WaitUntilAdmittedAsync(tcpPort, devices[^1]);
        Console.Error.WriteLine($"{label} (pid {bridge.Id}): {devices.Count} connections x {BridgeVsMosquitto.InFlight} in flight, {duration.TotalSeconds:0} s after {WarmUp.TotalSeconds:0} s not counted; load average {LoadAverage()}");
        var cold = await MqttLoad.RunAsync(label + " warm-up", tcpPort, devices.Select(d => (d.Id, (string?)d.Token)).ToList(), BridgeVsMosquitto.InFlight, WarmUp);
        Console.Error.WriteLine($"{label} warm-up: {cold.PerSecond:N0} msg/s (not counted)");
        var (bridgeCpu, stackCpu) = (SustainedThroughput.CpuSeconds(bridge.Id), SustainedThroughput.CpuSeconds(stackPid));
        var result = await MqttLoad.RunAsync(label, tcpPort, devices.Select(d => (d.Id, (string?)d.Token)).ToList(), BridgeVsMosquitto.InFlight, duration);
        double PerMessage(double before, int pid) => (SustainedThroughput.CpuSeconds(pid) - before) * 1e6 / Math.Max(1, result.Acknowledged);
        var measured = new Measured(cold, result, PerMessage(bridgeCpu, bridge.Id), PerMessage(stackCpu, stackPid));
        Console.Error.WriteLine($"{label}: {result.PerSecond:N0} msg/s; CPU per message: bridge {measured.BridgeCpuMicros:0.0} us, embedded Kafka {measured.StackCpuMicros:0.0} us");
        await bridge.StopAsync(TimeSpan.FromSeconds(30));
        return measured;
    }

    /// <param name="BridgeCpuMicros">The bridge process's CPU (user + system) per acknowledged message over the measured seconds.</param>
    /// <param name="StackCpuMicros">The same for the `devstack` process (the embedded Kafka answering the bridge's produce requests).</param>
    private sealed record Measured(MqttLoadResult Cold, MqttLoadResult Warm, double BridgeCpuMicros, double StackCpuMicros);

    /// <summary>`./pipeline devstack --fresh` (Kafka, Schema Registry, ClickHouse; no services) on free ports in the private folder.</summary>
    private static async Task<ChildProcess> StartStackAsync(string stateDir)
    {
        Console.Error.WriteLine("== starting the embedded stack alone (`devstack --fresh` in a private state folder)");
        var stack = ChildProcess.Dotnet("devstack", BenchPaths.Cli, ["devstack", "--fresh"], new Dictionary<string, string>
        {
            ["PIPELINE_STATE_DIR"] = stateDir,
            ["PIPELINE__EmbeddedStack__StateDir"] = stateDir,
            ["PIPELINE__EmbeddedStack__SchemaRegistryUrl"] = "http://127.0.0.1:0",
            ["PIPELINE__EmbeddedStack__ClickHouseUrl"] = "http://127.0.0.1:0",
            // The engine ./pipeline fetched (a private state folder has none; the bridge does not use ClickHouse, devstack starts it anyway).
            ["PIPELINE__EmbeddedStack__ChdbLibrary"] = Path.Combine(BenchPaths.Root, ".pipeline", "engines", "chdb", "node_modules", "@chdb", "lib-linux-x64-gnu", "libchdb.so"),
        }, echo: false);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!File.Exists(Path.Combine(stateDir, "endpoints.json")) || !File.Exists(Path.Combine(stateDir, "credentials.json")))
        {
            if (stack.HasExited || DateTime.UtcNow > deadline)
            {
                await stack.DisposeAsync();
                throw new InvalidOperationException($"`devstack` did not become ready:\n{stack.Stdout}");
            }
            await Task.Delay(250);
        }
        return stack;
    }

    /// <summary>The bridge as `up` starts it (same settings, see tools/cli/Supervision/PipelineServices.cs), on free ports, without a rate limit.</summary>
    private static ChildProcess StartBridge(string dll, string stateDir, int tcpPort)
    {
        var endpoints = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDir, "endpoints.json"))).RootElement;
        var credentials = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDir, "credentials.json"))).RootElement;
        var writer = credentials.GetProperty("schemaRegistry");
        string Port() => PipelineUp.FreePort().ToString(CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE__Kafka__BootstrapServers"] = endpoints.GetProperty("kafka").GetString()!,
            ["PIPELINE__Kafka__SchemaRegistryUrl"] = endpoints.GetProperty("schemaRegistry").GetString()!,
            ["PIPELINE__Kafka__SchemaRegistryUsername"] = writer.GetProperty("user").GetString()!,
            ["PIPELINE__Kafka__SchemaRegistryPassword"] = writer.GetProperty("password").GetString()!,
            ["PIPELINE__StateDir"] = stateDir,
            ["PIPELINE__Http__Url"] = $"http://127.0.0.1:{Port()}",
            ["PIPELINE__Listeners__TcpPort"] = tcpPort.ToString(CultureInfo.InvariantCulture),
            ["PIPELINE__Listeners__TlsPort"] = Port(),
            ["PIPELINE__Listeners__WebSocketPort"] = Port(),
            ["PIPELINE__Listeners__HttpsPort"] = Port(),
            ["PIPELINE__Listeners__CaDirectory"] = Path.Combine(stateDir, "ca"),
            ["PIPELINE__OperatorApi__Token"] = credentials.GetProperty("operatorToken").GetString()!,
            ["PIPELINE__DeviceTokens__Pepper"] = credentials.GetProperty("tokenPepper").GetString()!,
            // A few connections pushed as hard as they go: the per-device limit (100 msg/s by default) would be the measurement.
            ["PIPELINE__Limits__RateLimitPerSecond"] = "1000000",
        };
        return ChildProcess.Dotnet("bridge", dll, [], environment, echo: false);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
