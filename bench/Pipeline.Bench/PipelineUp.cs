using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pipeline.ServiceDefaults.Networking;

namespace Pipeline.Bench;

/// <summary>
/// `./pipeline up --fresh` in a private state folder on free ports, so a benchmark never touches the
/// user's .pipeline/ or a pipeline already running. The per-device rate limit is lifted: the bridge
/// benchmark pushes a few connections as hard as they go.
/// </summary>
internal sealed class PipelineUp : IAsyncDisposable
{
    private readonly ChildProcess _up;

    private PipelineUp(ChildProcess up, string stateDir, Dictionary<string, string> environment)
    {
        _up = up;
        StateDir = stateDir;
        Environment = environment;
    }

    public string StateDir { get; }
    public Dictionary<string, string> Environment { get; }
    public int MqttPort => int.Parse(Environment["PIPELINE__Listeners__TcpPort"]);
    public string ClickHouseUrl { get; private set; } = "";
    private (string User, string Password) _analyst;

    /// <summary>An HTTP client for the pipeline's ClickHouse as its read-only analyst (from the run's credentials.json).</summary>
    public HttpClient ClickHouseHttp()
    {
        var http = new HttpClient { BaseAddress = new Uri(ClickHouseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-ClickHouse-User", _analyst.User);
        http.DefaultRequestHeaders.Add("X-ClickHouse-Key", _analyst.Password);
        return http;
    }

    public static async Task<PipelineUp> StartAsync()
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "pipeline-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(stateDir);
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE_STATE_DIR"] = stateDir,
            ["PIPELINE__EmbeddedStack__StateDir"] = stateDir,
            ["PIPELINE__EmbeddedStack__SchemaRegistryUrl"] = "http://127.0.0.1:0",
            ["PIPELINE__EmbeddedStack__ClickHouseUrl"] = "http://127.0.0.1:0",
            ["PIPELINE__Listeners__TcpPort"] = FreePort().ToString(),
            ["PIPELINE__Listeners__TlsPort"] = FreePort().ToString(),
            ["PIPELINE__Listeners__WebSocketPort"] = FreePort().ToString(),
            ["PIPELINE__Listeners__HttpsPort"] = FreePort().ToString(),
            ["PIPELINE__Services__BridgeHttpUrl"] = $"http://127.0.0.1:{FreePort()}",
            ["PIPELINE__Services__RulesHttpUrl"] = $"http://127.0.0.1:{FreePort()}",
            ["PIPELINE__Services__SinkHttpUrl"] = $"http://127.0.0.1:{FreePort()}",
            ["PIPELINE__Services__ConsoleHttpUrl"] = $"http://127.0.0.1:{FreePort()}",
            ["PIPELINE__Limits__RateLimitPerSecond"] = "1000000",
        };
        var up = ChildProcess.Dotnet("up", BenchPaths.Cli, ["up", "--fresh"], environment, echo: false);
        var pipeline = new PipelineUp(up, stateDir, environment);
        var endpoints = Path.Combine(stateDir, "endpoints.json");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!File.Exists(endpoints))
        {
            if (up.HasExited || DateTime.UtcNow > deadline)
            {
                await pipeline.DisposeAsync();
                throw new InvalidOperationException($"`up` did not become ready:\n{up.Stdout}");
            }
            await Task.Delay(250);
        }
        pipeline.ClickHouseUrl = JsonDocument.Parse(File.ReadAllText(endpoints)).RootElement.GetProperty("clickhouse").GetString()!;
        var analyst = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDir, "credentials.json"))).RootElement.GetProperty("clickhouse").GetProperty("analyst");
        pipeline._analyst = (analyst.GetProperty("user").GetString()!, analyst.GetProperty("password").GetString()!);
        return pipeline;
    }

    /// <summary>`./pipeline simulate ...` against this pipeline; returns its JSON summary line.</summary>
    public async Task<JsonElement> SimulateAsync(TimeSpan timeout, params string[] args)
    {
        await using var simulate = ChildProcess.Dotnet("simulate", BenchPaths.Cli, ["simulate", .. args, "--json"], Environment);
        var exit = await simulate.WaitAsync(timeout);
        // Its stdout and stderr come through two pipes into one buffer: the JSON line need not be the last one.
        var last = simulate.Stdout.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{')) ?? "";
        if (exit != 0 || last.Length == 0)
            throw new InvalidOperationException($"simulate exited {exit}: {simulate.Stdout}");
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    /// <summary>Starts `./pipeline simulate ...` without waiting; the caller waits and reads its summary.</summary>
    public ChildProcess StartSimulate(params string[] args) =>
        ChildProcess.Dotnet("simulate", BenchPaths.Cli, ["simulate", .. args, "--json"], Environment, echo: false);

    /// <summary>Tokens of the devices `simulate --register` added (it keeps them in the state folder).</summary>
    public Dictionary<string, string> SimulatorTokens() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(StateDir, "simulator", "devices.json"))).RootElement
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("Token").GetString()!);

    public async ValueTask DisposeAsync()
    {
        await _up.StopAsync(TimeSpan.FromSeconds(90));
        await _up.DisposeAsync();
        try { Directory.Delete(StateDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// The bridge process `up` started: a `dotnet .../Pipeline.MqttBridge.dll` whose environment names
    /// this `up` as its supervisor (so a pipeline someone else runs on this machine is never picked).
    /// </summary>
    public int? BridgeProcessId() => ServiceProcessId("Pipeline.MqttBridge");

    /// <summary>The `up` process itself (it hosts the embedded Kafka, Schema Registry and ClickHouse).</summary>
    public int UpProcessId => _up.Id;

    /// <summary>A service `up` started (e.g. Pipeline.RulesProcessor), found as <see cref="BridgeProcessId"/> is.</summary>
    public int? ServiceProcessId(string assembly)
    {
        var marker = $"PIPELINE_SUPERVISOR_PID={_up.Id}";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!commandLine.Contains(assembly + ".dll", StringComparison.Ordinal)) continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains(marker))
                    return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile, or not ours to read
            }
        }
        return null;
    }

    /// <summary>
    /// A port for a server started a moment later, drawn below the kernel's ephemeral range: a port bind(0) hands
    /// out can be taken by an outgoing connection before the server binds it (a benchmark's rules processor failed
    /// "address already in use" on one, and `up` restarted it until the benchmark gave up).
    /// </summary>
    public static int FreePort() => LoopbackPorts.TryNext(10_000)
        ?? throw new InvalidOperationException("No free loopback port below the ephemeral range after 1,000 tries.");

    /// <summary>Waits (up to 10 s) until something listens on 127.0.0.1:<paramref name="port"/> (a server the benchmark started).</summary>
    public static async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
