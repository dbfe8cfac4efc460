using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// Lifecycle events end to end on one `up`: mosquitto clients connect and drop, the bridge records each
/// connect and disconnect in iot.connectivity, and `devices list --json` shows connected and lastSeen.
/// </summary>
public sealed class ConnectivityTests(ConnectivityTests.Pipeline pipeline) : IClassFixture<ConnectivityTests.Pipeline>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Connects_and_disconnects_are_rows_with_reason_protocol_and_session_and_devices_list_follows_them()
    {
        var certs = Path.Combine(pipeline.Home.StateDir, "certs-conn-a");
        await pipeline.AddDeviceAsync("conn-a", "--cert", certs);

        // A persistent MQTT 5 session over TLS with the fleet client certificate.
        var subscriber = ExternalTool.Start("mosquitto_sub", ["-h", "localhost", "-p", pipeline.TlsPort, "-V", "mqttv5",
            "--cafile", Path.Combine(certs, "ca.crt"), "--cert", Path.Combine(certs, "conn-a.crt"), "--key", Path.Combine(certs, "conn-a.key"),
            "-i", "conn-a", "-c", "-x", "600", "-q", "1", "-t", "devices/conn-a/commands"]);
        var listed = await Eventually.HoldsAsync(() => pipeline.ListedAsync("conn-a"), d => d["connected"]!.GetValue<bool>(), Patience, "conn-a listed as connected");
        Assert.NotNull(listed["lastSeen"]);

        // It drops without DISCONNECT (killed), and then connects once with MQTT 3.1.1 over TCP and its token, cleanly.
        subscriber.Kill();
        await subscriber.WaitForExitAsync();
        await Eventually.HoldsAsync(() => pipeline.ListedAsync("conn-a"), d => !d["connected"]!.GetValue<bool>(), Patience, "conn-a listed as not connected");
        var token = pipeline.Tokens["conn-a"];
        await ExternalTool.RunAsync("mosquitto_pub", ["-h", "127.0.0.1", "-p", pipeline.TcpPort, "-V", "mqttv311",
            "-i", "conn-a", "-u", "conn-a", "-P", token, "-q", "1", "-t", "devices/conn-a/telemetry", "-m", """{"t":1}"""]);

        const string sql = """
            SELECT event, reason, protocol, transport, toUInt8(clean_session) AS clean, client_address LIKE '127.0.0.1:%' AS address
            FROM iot.connectivity WHERE device_id = 'conn-a' ORDER BY ts, event
            """;
        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home, "SELECT count() FROM iot.connectivity WHERE device_id = 'conn-a'"),
            n => n == 6, Patience, "6 connectivity rows for conn-a");
        await using var rows = await CliProcess.RunAsync(pipeline.Home, "query", sql, "--format", "csv");
        Assert.Equal([
            "event,reason,protocol,transport,clean,address",
            // AddDeviceAsync's mosquitto_pub, once the bridge knew the device.
            "connect,token,mqtt-5,tcp,1,1",
            "disconnect,client sent DISCONNECT,mqtt-5,tcp,1,1",
            "connect,client certificate,mqtt-5,tls,0,1",
            "disconnect,connection lost without DISCONNECT,mqtt-5,tls,0,1",
            "connect,token,mqtt-3.1.1,tcp,1,1",
            "disconnect,client sent DISCONNECT,mqtt-3.1.1,tcp,1,1",
        ], rows.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task A_device_of_a_crashed_bridge_is_not_listed_connected_forever()
    {
        var token = await pipeline.AddDeviceAsync("conn-b");
        var subscriber = ExternalTool.Start("mosquitto_sub", ["-h", "127.0.0.1", "-p", pipeline.TcpPort, "-V", "mqttv5",
            "-i", "conn-b", "-u", "conn-b", "-P", token, "-q", "1", "-t", "devices/conn-b/commands"]);
        await Eventually.HoldsAsync(() => pipeline.ListedAsync("conn-b"), d => d["connected"]!.GetValue<bool>(), Patience, "conn-b listed as connected");

        // The bridge dies without recording any disconnect (kill -9; `up` restarts it as a new process). Its instance id
        // is the default "<host>-<pid>", which is how the test finds the process.
        await using (var instance = await CliProcess.RunAsync(pipeline.Home, "query",
            "SELECT instance FROM iot.connectivity WHERE device_id = 'conn-b' AND event = 'connect'", "--format", "csv"))
        {
            var name = instance.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim();
            Process.GetProcessById(int.Parse(name[(name.LastIndexOf('-') + 1)..])).Kill();
        }
        subscriber.Kill();
        await subscriber.WaitForExitAsync();

        await Eventually.HoldsAsync(() => pipeline.ListedAsync("conn-b"), d => !d["connected"]!.GetValue<bool>(), Patience,
            "conn-b no longer listed as connected once its bridge's heartbeats stopped");
        // Not by a disconnect: none was recorded for the subscriber's connection.
        Assert.Equal(0, await UpTests.CountAsync(pipeline.Home, """
            SELECT count() FROM iot.connectivity WHERE event = 'disconnect' AND connection_id =
                (SELECT argMax(connection_id, ts) FROM iot.connectivity WHERE device_id = 'conn-b' AND event = 'connect')
            """));

        // The restarted bridge takes devices again (and later tests in this class get a working bridge).
        await Eventually.HoldsAsync(async () => (await ExternalTool.TryRunAsync("mosquitto_pub", ["-h", "127.0.0.1", "-p", pipeline.TcpPort, "-V", "mqttv5",
            "-i", "conn-b", "-u", "conn-b", "-P", token, "-q", "1", "-t", "devices/conn-b/telemetry", "-m", """{"t":1}"""])).Exit,
            exit => exit == 0, Patience, "the restarted bridge accepts conn-b");
    }

    [Fact]
    public async Task A_device_with_a_persistent_session_gets_a_command_sent_after_its_bridge_was_killed_when_it_comes_back()
    {
        var token = await pipeline.AddDeviceAsync("conn-s");
        string[] connect = ["-h", "127.0.0.1", "-p", pipeline.TcpPort, "-i", "conn-s", "-u", "conn-s", "-P", token];
        string[] persistent = ["-c", "-x", "300"]; // clean start false, session expiry 5 min
        using (var first = await MosquittoDevice.SubscribeAsync(connect, "devices/conn-s/commands", persistent))
        {
            await Eventually.HoldsAsync(() => pipeline.ListedAsync("conn-s"), d => d["connected"]!.GetValue<bool>(), Patience, "conn-s listed as connected");
            // kill -9 of the bridge holding the device (its default instance id ends with its pid), as in the test above.
            await using (var instance = await CliProcess.RunAsync(pipeline.Home, "query",
                "SELECT argMax(instance, ts) FROM iot.connectivity WHERE device_id = 'conn-s' AND event = 'connect'", "--format", "csv"))
            {
                var name = instance.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim().Trim('"');
                Process.GetProcessById(int.Parse(name[(name.LastIndexOf('-') + 1)..])).Kill();
            }
            first.Kill();
        }
        await Eventually.HoldsAsync(() => pipeline.ListedAsync("conn-s"), d => !d["connected"]!.GetValue<bool>(), Patience,
            "conn-s no longer listed as connected once its bridge's heartbeats stopped");
        await Eventually.HoldsAsync(async () => (await ExternalTool.TryRunAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", $"{pipeline.BridgeHttp}/healthz"])).Stdout,
            code => code == "200", Patience, "the restarted bridge is ready");

        await using (var send = await CliProcess.RunAsync(pipeline.Home, "commands", "send", "conn-s", "--payload", """{"queued":1}""", "--json"))
            Assert.True(send.ExitCode == 0, send.Stderr);
        using var again = await MosquittoDevice.SubscribeAsync(connect, "devices/conn-s/commands", persistent);
        await again.WaitForAsync(o => o.Contains("""devices/conn-s/commands {"queued":1}"""), "the command queued while the device was away arrives");
    }

    /// <summary>One `up --fresh` for the class; bridge heartbeats every 2 s so a dead bridge is noticed within 6 s.</summary>
    public sealed class Pipeline : UpPipeline
    {
        public string TlsPort => Home.Environment["PIPELINE__Listeners__TlsPort"];
        public Dictionary<string, string> Tokens { get; } = [];

        protected override void Configure(IDictionary<string, string> environment) =>
            environment["PIPELINE__Bridge__PresenceHeartbeat"] = "00:00:02";

        /// <summary>Registers a device, returns its token and waits until the bridge accepts it.</summary>
        public async Task<string> AddDeviceAsync(string id, params string[] extra)
        {
            await using var add = await CliProcess.RunAsync(Home, ["devices", "add", id, "--json", .. extra]);
            Assert.True(add.ExitCode == 0, add.Stderr);
            var token = JsonDocument.Parse(add.Stdout).RootElement.GetProperty("token").GetString()!;
            Tokens[id] = token;
            await Eventually.HoldsAsync(async () => (await ExternalTool.TryRunAsync("mosquitto_pub", ["-h", "127.0.0.1", "-p", TcpPort, "-V", "mqttv5",
                "-i", id, "-u", id, "-P", token, "-q", "1", "-t", $"devices/{id}/events", "-m", """{"hello":1}"""])).Exit,
                exit => exit == 0, Patience, $"the bridge accepts {id}");
            return token;
        }

        /// <summary>The device's entry in `devices list --json`.</summary>
        public async Task<JsonNode> ListedAsync(string id)
        {
            await using var list = await CliProcess.RunAsync(Home, "devices", "list", "--json");
            Assert.True(list.ExitCode == 0, list.Stderr);
            return JsonNode.Parse(list.Stdout)!.AsArray().Single(d => d!["deviceId"]!.GetValue<string>() == id)!;
        }
    }
}
