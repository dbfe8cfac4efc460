using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Cli.IntegrationTests;
using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// `up --fresh` in a private state folder on free ports, with what the fault tests need: ClickHouse
/// counts over HTTP, the process id of a service `up` supervises (found by its state folder), and the
/// embedded stack's fault control (Kafka and ClickHouse outages on demand).
/// </summary>
public sealed class RunningPipeline : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    private RunningPipeline(CliHome home, CliProcess up)
    {
        Home = home;
        Up = up;
    }

    public CliHome Home { get; }

    /// <summary>The embedded ClickHouse's HTTP endpoint (every request needs a user's credentials).</summary>
    public Uri ClickHouseUrl { get; private set; } = null!;
    public CliProcess Up { get; }

    /// <param name="upArguments">More arguments for `up`, e.g. "--bridges", "2".</param>
    public static async Task<RunningPipeline> StartAsync(IReadOnlyDictionary<string, string>? settings = null, params string[] upArguments)
    {
        var home = new CliHome();
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            home.Environment[key] = value;
        foreach (var key in new[] { "PIPELINE__Listeners__TcpPort", "PIPELINE__Listeners__TlsPort", "PIPELINE__Listeners__WebSocketPort", "PIPELINE__Listeners__HttpsPort" })
            home.Environment[key] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        foreach (var key in new[] { "PIPELINE__Services__BridgeHttpUrl", "PIPELINE__Services__RulesHttpUrl", "PIPELINE__Services__SinkHttpUrl", "PIPELINE__Services__BalancerHttpUrl", "PIPELINE__Services__ConsoleHttpUrl", "PIPELINE__EmbeddedStack__FaultControlUrl" })
            home.Environment[key] = $"http://127.0.0.1:{FreePorts.Next()}";
        var up = CliProcess.Start(home, ["up", "--fresh", .. upArguments]);
        var pipeline = new RunningPipeline(home, up);
        await Eventually.HoldsAsync(() => File.Exists(home.EndpointsFile) || up.HasExited, TimeSpan.FromSeconds(120), "up writes the endpoints file");
        Assert.False(up.HasExited, $"up exited early: {up.Stdout}{up.Stderr}");
        var clickhouse = JsonDocument.Parse(File.ReadAllText(home.EndpointsFile)).RootElement.GetProperty("clickhouse").GetString()!;
        pipeline._http.BaseAddress = new Uri(clickhouse);
        pipeline.ClickHouseUrl = new Uri(clickhouse);
        // The checks read as the run's read-only analyst, as `./pipeline query` does.
        var analyst = home.ClickHouseUser(Pipeline.EmbeddedStack.ClickHouse.ClickHouseRole.Analyst);
        pipeline._http.DefaultRequestHeaders.Add("X-ClickHouse-User", analyst.User);
        pipeline._http.DefaultRequestHeaders.Add("X-ClickHouse-Key", analyst.Password);
        return pipeline;
    }

    /// <summary>Asks the embedded stack for an outage or its end, e.g. "/kafka/down" (see FaultControlEndpoint).</summary>
    public async Task FaultAsync(string path)
    {
        using var response = await _http.PostAsync(Home.Environment["PIPELINE__EmbeddedStack__FaultControlUrl"] + path, null);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A single number from ClickHouse, or -1 while it does not answer (during a fault).</summary>
    public async Task<long> CountAsync(string sql)
    {
        try
        {
            using var response = await _http.PostAsync("/", new StringContent(sql + " FORMAT TabSeparated", Encoding.UTF8));
            var body = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode && long.TryParse(body.Trim(), out var n) ? n : -1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return -1;
        }
    }

    /// <summary>Rows as JSON objects (FORMAT JSONEachRow), or none while ClickHouse does not answer.</summary>
    public async Task<IReadOnlyList<JsonElement>> RowsAsync(string sql)
    {
        try
        {
            using var response = await _http.PostAsync("/", new StringContent(sql + " FORMAT JSONEachRow", Encoding.UTF8));
            if (!response.IsSuccessStatusCode) return [];
            var body = await response.Content.ReadAsStringAsync();
            return body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return [];
        }
    }

    /// <summary>How many records each key has in a topic, read from the beginning with kcat (for failure reports).</summary>
    public async Task<IReadOnlyDictionary<string, int>> RecordsPerKeyAsync(string topic)
    {
        var kafka = JsonDocument.Parse(File.ReadAllText(Home.EndpointsFile)).RootElement.GetProperty("kafka").GetString()!;
        var (exit, stdout, stderr) = await Pipeline.Cli.IntegrationTests.ExternalTool.TryRunAsync("kcat", ["-C", "-b", kafka, "-t", topic, "-e", "-q", "-f", "%k\n"]);
        if (exit != 0)
            return new Dictionary<string, int> { [$"(kcat exited {exit}: {stderr.Trim()})"] = 0 };
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    public int MqttPort => int.Parse(Home.Environment["PIPELINE__Listeners__TcpPort"], CultureInfo.InvariantCulture);

    /// <summary>
    /// POSTs <paramref name="payload"/> to the device's telemetry topic over HTTPS with curl and its bearer token
    /// (allowed under `up`), as a device on the HTTP gateway does; the status and body are what it would see.
    /// </summary>
    public async Task<(int Status, string Body)> HttpPublishAsync(HttpDevice device, string payload)
    {
        var https = $"https://localhost:{Home.Environment["PIPELINE__Listeners__HttpsPort"]}";
        var (exit, stdout, stderr) = await Pipeline.Cli.IntegrationTests.ExternalTool.TryRunAsync("curl",
            ["-s", "-m", "20", "-X", "POST", "-w", "\n%{http_code}", "--cacert", Path.Combine(Home.StateDir, "ca", "ca.crt"),
             "-H", $"Authorization: Bearer {device.Token}", "--data-binary", "@-", $"{https}/topics/devices/{device.Id}/telemetry?qos=1"], payload);
        if (exit != 0)
            return (-1, $"curl exited {exit}: {stderr}");
        var split = stdout.LastIndexOf('\n');
        return (int.Parse(stdout[(split + 1)..].Trim(), CultureInfo.InvariantCulture), stdout[..Math.Max(0, split)]);
    }

    /// <summary>Registers a device with `devices add --json` and returns its token.</summary>
    public async Task<string> AddDeviceAsync(string deviceId)
    {
        await using var add = await CliProcess.RunAsync(Home, "devices", "add", deviceId, "--json");
        Assert.True(add.ExitCode == 0, add.Stderr + add.Stdout);
        return JsonDocument.Parse(add.Stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>The process id of a supervised service (its assembly is e.g. Pipeline.SinkWriter), if one is running.</summary>
    /// <param name="instance">With several instances: which one, by the name `up` gives it (e.g. mqtt-bridge-2).</param>
    public int? ServicePid(string assembly, string? instance = null)
    {
        var marker = "PIPELINE_STATE_DIR=" + Home.StateDir + "\0";
        var instanceMarker = "\0PIPELINE_INSTANCE=" + instance + "\0";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(assembly + ".dll", StringComparison.Ordinal)) continue;
                var environment = "\0" + File.ReadAllText(Path.Combine(dir, "environ"));
                if (environment.Contains(marker, StringComparison.Ordinal) && (instance is null || environment.Contains(instanceMarker, StringComparison.Ordinal)))
                    return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked, or is not ours.
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await Up.DisposeAsync();
        _http.Dispose();
        Home.Dispose();
    }
}

/// <summary>A registered device that publishes over HTTPS with its token.</summary>
public sealed record HttpDevice(string Id, string Token);
