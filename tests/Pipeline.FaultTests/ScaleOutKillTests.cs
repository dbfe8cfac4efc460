using System.Text.Json;
using System.Text.RegularExpressions;
using MQTTnet;
using MQTTnet.Formatter;
using Pipeline.Cli.IntegrationTests;
using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// Two bridges behind the load balancer, two processors, two sinks (`up --bridges 2 --processors 2 --sinks 2`). Devices
/// publish QoS 1 through the balancer and resend what was not acknowledged (same seq) after a lost connection, while
/// one instance of each kind in turn is killed with kill -9 and restarted by `up`: every acknowledged (device, seq) is
/// stored exactly once. Commands sent right after a bridge was killed to devices it held (which stay away) each get
/// exactly one outcome: the survivor leaves them to the dead bridge while it still counts it live, and decides again
/// once it counts it gone.
/// </summary>
public sealed partial class ScaleOutKillTests
{
    [Fact]
    public async Task Acknowledged_values_land_once_while_one_instance_of_each_kind_is_killed()
    {
        // Instance ids kept across restarts, as a compose file gives them; heartbeats every 5 s, so a killed bridge
        // counts as live for up to 15 s: time enough to send the commands it will never read.
        var settings = new Dictionary<string, string>(ResendingFleet.UnthrottledSettings)
        {
            ["PIPELINE__Bridge__InstanceId"] = "bridge",
            ["PIPELINE__Bridge__PresenceHeartbeat"] = "00:00:05",
            // Streamiz's assignments, restorations and task states, so that a failure message shows which task stopped and why.
            ["PIPELINE__Logging__LogLevel__Streamiz"] = "Information",
        };
        await using var pipeline = await RunningPipeline.StartAsync(settings, "--bridges", "2", "--processors", "2", "--sinks", "2");
        var (idle, onBridgeTwo) = await ConnectIdleDevicesAsync(pipeline, "mqtt-bridge-2");
        var fleet = await ResendingFleet.StartAsync(pipeline, "scale", devices: 6);
        var commandIds = new List<string>();
        await fleet.WaitForMoreAcknowledgedAsync(300, TimeSpan.FromSeconds(60), "devices publish through the balancer before the faults");

        foreach (var (assembly, instance) in new[]
        {
            ("Pipeline.MqttBridge", "mqtt-bridge-2"),
            ("Pipeline.RulesProcessor", "rules-processor-2"),
            ("Pipeline.SinkWriter", "sink-writer-2"),
        })
        {
            var pid = pipeline.ServicePid(assembly, instance);
            Assert.True(pid is not null, $"{instance} runs under up");
            Assert.Equal(0, Kill(pid!.Value, 9));
            if (instance == "mqtt-bridge-2")
                commandIds.AddRange(await Task.WhenAll(onBridgeTwo.Select(device => SendCommandAsync(pipeline, device))));
            await Eventually.HoldsAsync(() => pipeline.ServicePid(assembly, instance) is { } restarted && restarted != pid,
                TimeSpan.FromSeconds(60), $"up restarts {instance} after kill -9");
            await fleet.WaitForMoreAcknowledgedAsync(300, TimeSpan.FromSeconds(120), $"devices are acknowledged again after {instance} was killed");
        }
        await fleet.StopAsync();

        await fleet.AssertStoredExactlyOnceAsync(pipeline, TimeSpan.FromSeconds(120));

        var answers = await Eventually.HoldsAsync(() => AnswersAsync(pipeline, commandIds), found => found.Count == commandIds.Count,
            TimeSpan.FromSeconds(120), $"each of the {commandIds.Count} commands sent as a bridge died gets an outcome in iot.events");
        Assert.All(answers, a => Assert.True(a.Answers == 1, $"command {a.CommandId}: {a.Answers} answers (sent or offline)"));
        foreach (var client in idle)
            client.Dispose();
    }

    /// <summary>
    /// Two devices connected straight to one bridge instance's private MQTT port (from the balancer's configuration),
    /// that never reconnect once their connection drops (unlike the fleet's).
    /// </summary>
    private static async Task<(List<IMqttClient> Clients, List<string> OnInstance)> ConnectIdleDevicesAsync(RunningPipeline pipeline, string instance)
    {
        var config = File.ReadAllText(Path.Combine(pipeline.Home.StateDir, "balancer", "haproxy.cfg"));
        var server = Regex.Match(config, $@"backend mqtt\n(?:.*\n)*?\s*server {instance} 127\.0\.0\.1:(\d+)");
        Assert.True(server.Success, $"haproxy.cfg has {instance} in its mqtt backend:\n{config}");
        var clients = new List<IMqttClient>();
        var deviceIds = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var deviceId = $"idle-{i}";
            var token = await pipeline.AddDeviceAsync(deviceId);
            var client = new MqttClientFactory().CreateMqttClient();
            clients.Add(client);
            var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", int.Parse(server.Groups[1].Value))
                .WithClientId(deviceId).WithCredentials(deviceId, token).WithProtocolVersion(MqttProtocolVersion.V500).Build();
            // The instance learns of the device from iot.devices a moment after `devices add`; until then it refuses it.
            await Eventually.HoldsAsync(() => ConnectAsync(client, options), connected => connected, TimeSpan.FromSeconds(30),
                $"{deviceId} is accepted by {instance}");
            deviceIds.Add(deviceId);
        }
        return (clients, deviceIds);
    }

    private static async Task<bool> ConnectAsync(IMqttClient client, MqttClientOptions options)
    {
        try
        {
            return (await client.ConnectAsync(options)).ResultCode == MqttClientConnectResultCode.Success && client.IsConnected;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return false;
        }
    }

    private static async Task<string> SendCommandAsync(RunningPipeline pipeline, string deviceId)
    {
        await using var send = await CliProcess.RunAsync(pipeline.Home, "commands", "send", deviceId, "--payload", """{"fan":"on"}""", "--json");
        Assert.True(send.ExitCode == 0, send.Stderr);
        return JsonDocument.Parse(send.Stdout).RootElement.GetProperty("commandId").GetString()!;
    }

    /// <summary>Per command that has any: how many of its outcomes answer it (sent, offline, expired, unknown_device; not delivered).</summary>
    private static async Task<IReadOnlyList<(string CommandId, long Answers)>> AnswersAsync(RunningPipeline pipeline, IReadOnlyList<string> commandIds)
    {
        var rows = await pipeline.RowsAsync($"""
            SELECT JSONExtractString(body, 'commandId') AS command_id, countIf(JSONExtractString(body, 'outcome') != 'delivered') AS answers
            FROM iot.events WHERE source = 'bridge.commands' AND command_id IN ({string.Join(", ", commandIds.Select(id => $"'{id}'"))})
            GROUP BY command_id
            """);
        return rows.Select(r => (r.GetProperty("command_id").GetString()!, r.GetProperty("answers").ValueKind == JsonValueKind.String
            ? long.Parse(r.GetProperty("answers").GetString()!) : r.GetProperty("answers").GetInt64())).ToList();
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
