using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// The product's promise end to end: `up`, a simulated fleet, every acknowledged metric value once
/// in ClickHouse, a clean stop, and nothing missing after the next `up`.
/// </summary>
public sealed class UpTests
{
    [Fact]
    public async Task A_service_that_refuses_its_configuration_stops_up_with_the_setting_named_instead_of_restarting()
    {
        using var home = new CliHome();
        UseFreePorts(home);
        // A value the bridge's validator refuses at its start; services inherit up's environment. (A processor setting
        // is refused earlier: up asks the processor for its topics before it starts anything.)
        home.Environment["PIPELINE__Bridge__BufferBytes"] = "1";

        await using var up = CliProcess.Start(home, "up", "--fresh");
        await up.WaitForExitAsync(TimeSpan.FromSeconds(120));

        var output = up.Stdout + up.Stderr;
        Assert.True(up.ExitCode == 78, $"exit code {up.ExitCode}: {output}");
        Assert.Contains("Bridge:BufferBytes must be at least 65536.", output);
        Assert.Contains("refused its configuration", output);
        Assert.DoesNotContain("restarting in", output);
        Assert.False(File.Exists(home.EndpointsFile), "no endpoints file for a pipeline that did not start");
    }

    [Fact]
    public async Task Up_on_an_address_already_in_use_names_it_and_exits_without_a_stack_trace()
    {
        using var home = new CliHome();
        UseFreePorts(home);
        // What a second `up` meets while one runs: the Schema Registry's address is taken.
        using var holder = new TcpListener(IPAddress.Loopback, FreePorts.Next());
        holder.Start();
        var address = $"127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}";
        home.Environment["PIPELINE__EmbeddedStack__SchemaRegistryUrl"] = $"http://{address}";
        // The endpoints file's folder does not exist yet: `up --fresh` must get past clearing it to the real error.
        var stateDir = Path.Combine(home.StateDir, "not-yet");
        home.Environment["PIPELINE_STATE_DIR"] = stateDir;

        await using var up = CliProcess.Start(home, "up", "--fresh");
        await up.WaitForExitAsync(TimeSpan.FromSeconds(120));

        var output = up.Stdout + up.Stderr;
        Assert.True(up.ExitCode == 1, $"exit code {up.ExitCode}: {output}");
        Assert.Contains($"error: Failed to bind to address http://{address}: address already in use.", up.Stderr);
        Assert.Contains("a pipeline already running", up.Stderr);
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(File.Exists(Path.Combine(stateDir, "endpoints.json")), "no endpoints file for a pipeline that did not start");
    }

    [Fact]
    public async Task Acknowledged_values_land_once_in_clickhouse_and_survive_a_stop_and_start()
    {
        using var home = new CliHome();
        UseFreePorts(home);

        long acknowledged;
        await using (var up = CliProcess.Start(home, "up", "--fresh"))
        {
            await WaitForEndpointsAsync(home, up);
            var endpoints = JsonDocument.Parse(File.ReadAllText(home.EndpointsFile)).RootElement;
            Assert.Equal($"127.0.0.1:{home.Environment["PIPELINE__Listeners__TcpPort"]}", endpoints.GetProperty("mqtt").GetString());
            Assert.True(File.Exists(endpoints.GetProperty("caCert").GetString()), "the fleet CA certificate exists where the endpoints file says");

            await using var simulate = await CliProcess.RunAsync(home, "simulate", "--devices", "5", "--rate", "50", "--duration", "4s",
                "--register", "--json", "--duplicates", "0.1", "--malformed", "0.05");
            Assert.True(simulate.ExitCode == 0, SimulateFailure(home, simulate));
            var summary = JsonDocument.Parse(simulate.Stdout.Trim().Split('\n')[^1]).RootElement;
            acknowledged = summary.GetProperty("acknowledgedMetricValues").GetInt64();
            Assert.True(acknowledged > 0, simulate.Stdout);
            Assert.True(summary.GetProperty("refused").GetInt64() > 0, "malformed payloads are refused");

            await Eventually.HoldsAsync(() => CountAsync(home, "SELECT count() FROM iot.telemetry"), n => n == acknowledged,
                TimeSpan.FromSeconds(60), $"iot.telemetry holds the {acknowledged} acknowledged metric values");
            Assert.Equal(acknowledged, await CountAsync(home, "SELECT uniqExact(device_id, seq, metric) FROM iot.telemetry"));
            await Eventually.HoldsAsync(() => CountAsync(home, "SELECT count() FROM iot.rejected WHERE reason = 'MALFORMED_PAYLOAD'"), n => n > 0,
                TimeSpan.FromSeconds(30), "refused payloads are recorded with their reason");

            await using (var status = await CliProcess.RunAsync(home, "status", "--once"))
            {
                Assert.True(status.ExitCode == 0, status.Stderr);
                foreach (var stage in new[] { "mqtt-bridge", "rules-processor", "sink-writer" })
                    Assert.Contains(stage, status.Stdout);
                Assert.DoesNotContain("not answering", status.Stdout);
            }

            up.Signal(CliProcess.SigTerm);
            await up.WaitForExitAsync(TimeSpan.FromSeconds(90));
            Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
            Assert.DoesNotContain("still had", up.Stdout);
        }

        await using (var again = CliProcess.Start(home, "up"))
        {
            await WaitForEndpointsAsync(home, again);
            Assert.Equal(acknowledged, await CountAsync(home, "SELECT count() FROM iot.telemetry"));
            await using var devices = await CliProcess.RunAsync(home, "devices", "list", "--json");
            Assert.Equal(5, JsonDocument.Parse(devices.Stdout).RootElement.GetArrayLength());

            // The embedded Kafka starts empty, so the new run's records reuse offsets the first run had: the
            // sink must not take them for repeats (it once did, when its insert tokens named only offsets).
            await using var simulate = await CliProcess.RunAsync(home, "simulate", "--devices", "5", "--rate", "50", "--duration", "3s", "--json");
            Assert.True(simulate.ExitCode == 0, SimulateFailure(home, simulate));
            var second = JsonDocument.Parse(simulate.Stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("acknowledgedMetricValues").GetInt64();
            Assert.True(second > 0, simulate.Stdout);
            await Eventually.HoldsAsync(() => CountAsync(home, "SELECT count() FROM iot.telemetry"), n => n == acknowledged + second,
                TimeSpan.FromSeconds(120), $"iot.telemetry holds both runs' {acknowledged + second} acknowledged metric values");
            Assert.Equal(acknowledged + second, await CountAsync(home, "SELECT uniqExact(device_id, seq, metric) FROM iot.telemetry"));
        }
    }

    /// <summary>What simulate said went wrong, first (CI shows the tail of its log only), then the bridge's warnings.</summary>
    internal static string SimulateFailure(CliHome home, CliProcess simulate)
    {
        var said = simulate.Stderr.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)
            || l.Contains("failed (no answer)", StringComparison.Ordinal) || l.Contains("did not run", StringComparison.Ordinal));
        return $"simulate exited {simulate.ExitCode}: {string.Join(" | ", said.Select(l => l.Trim()))}{home.ServiceLogTail("mqtt-bridge")}";
    }

    private static string Tail(string text, int lines) =>
        string.Join('\n', text.Split('\n').TakeLast(lines));

    internal static void UseFreePorts(CliHome home)
    {
        home.Environment["PIPELINE__Listeners__TcpPort"] = FreePorts.Next().ToString();
        home.Environment["PIPELINE__Listeners__TlsPort"] = FreePorts.Next().ToString();
        home.Environment["PIPELINE__Listeners__WebSocketPort"] = FreePorts.Next().ToString();
        home.Environment["PIPELINE__Listeners__HttpsPort"] = FreePorts.Next().ToString();
        home.Environment["PIPELINE__Services__BridgeHttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}";
        home.Environment["PIPELINE__Services__RulesHttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}";
        home.Environment["PIPELINE__Services__SinkHttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}";
        home.Environment["PIPELINE__Services__ConsoleHttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}";
    }

    internal static async Task<long> CountAsync(CliHome home, string sql)
    {
        await using var query = await CliProcess.RunAsync(home, "query", sql, "--format", "csv");
        return query.ExitCode == 0 && long.TryParse(query.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1), out var n) ? n : -1;
    }

    internal static async Task WaitForEndpointsAsync(CliHome home, CliProcess up)
    {
        await Eventually.HoldsAsync(() => File.Exists(home.EndpointsFile) || up.HasExited, TimeSpan.FromSeconds(120), "up writes the endpoints file");
        Assert.False(up.HasExited, $"up exited early: {up.Stdout}{up.Stderr}");
    }
}
