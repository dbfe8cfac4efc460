using System.Diagnostics;
using System.Text.Json.Nodes;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// Commands from applications end to end on one `up`: curl on the bridge's command API and `./pipeline commands`
/// as the application, mosquitto_sub/mosquitto_pub as the device, outcomes read back from the API and ClickHouse;
/// retained messages of the commands topic and devices' last wills on the same pipeline.
/// </summary>
public sealed class CommandsTests(CommandsTests.Pipeline pipeline) : IClassFixture<CommandsTests.Pipeline>
{

    [Fact]
    public async Task Commands_from_curl_and_the_cli_reach_a_mosquitto_device_and_their_outcomes_are_shown()
    {
        var device = await pipeline.AddDeviceAsync("cmd-dev");
        using var sub = await MosquittoDevice.SubscribeAsync(pipeline.MqttArgs(device), $"devices/{device.Id}/commands");

        var (status, body) = await Curl("POST", $"{pipeline.BridgeHttp}/commands/{device.Id}?expires=5m", """{"reboot":true}""", token: pipeline.OperatorToken);
        Assert.True(status == 202, body);
        var commandId = JsonNode.Parse(body)!["commandId"]!.GetValue<string>();
        await sub.WaitForAsync(o => o.Contains($$"""devices/{{device.Id}}/commands {"reboot":true}"""), "the device receives the API's command");
        var outcomes = await Eventually.HoldsAsync(async () => await Curl("GET", $"{pipeline.BridgeHttp}/commands/{commandId}", token: pipeline.OperatorToken),
            r => r.Status == 200 && Outcomes(r.Body).Contains("delivered"), TimeSpan.FromSeconds(30), "the API shows the delivery");
        Assert.Equal(["accepted", "sent", "delivered"], Outcomes(outcomes.Body));

        await using (var send = await CliProcess.RunAsync(pipeline.Home, "commands", "send", device.Id, "--payload", """{"led":"on"}""", "--qos", "0", "--json"))
        {
            Assert.True(send.ExitCode == 0, send.Stderr);
            commandId = JsonNode.Parse(send.Stdout)!["commandId"]!.GetValue<string>();
        }
        await sub.WaitForAsync(o => o.Contains($$"""devices/{{device.Id}}/commands {"led":"on"}"""), "the device receives the CLI's command");
        Assert.Contains("received PUBLISH (d0, q0, r0", sub.Output);

        // The history across bridge instances is in ClickHouse; `commands show` reads it as the analyst.
        var shown = await Eventually.HoldsAsync(async () =>
            {
                await using var show = await CliProcess.RunAsync(pipeline.Home, "commands", "show", commandId, "--json");
                return show.ExitCode == 0 ? show.Stdout : "";
            }, s => s.Length > 0, TimeSpan.FromSeconds(60), "commands show finds the outcome");
        var json = JsonNode.Parse(shown)!;
        Assert.Equal(device.Id, json["deviceId"]!.GetValue<string>());
        Assert.Equal(["sent"], Outcomes(shown));
    }

    [Fact]
    public async Task Bad_commands_are_refused_with_the_reason_by_the_api_and_the_cli()
    {
        var device = await pipeline.AddDeviceAsync("cmd-bad");
        var url = $"{pipeline.BridgeHttp}/commands/{device.Id}";

        Assert.Equal(401, (await Curl("POST", url, "{}", token: null)).Status);
        Assert.Equal(401, (await Curl("GET", $"{pipeline.BridgeHttp}/commands/x", token: "wrong-token-0123456789")).Status);
        Assert.Equal((404, "No device with id 'nobody' in the registry."), Refusal(await Curl("POST", $"{pipeline.BridgeHttp}/commands/nobody", "{}", token: pipeline.OperatorToken)));
        var (status, message) = Refusal(await Curl("POST", url, "{not json", token: pipeline.OperatorToken));
        Assert.Equal(400, status);
        Assert.Contains("not valid JSON", message);
        Assert.Equal(400, Refusal(await Curl("POST", url + "?qos=2", "{}", token: pipeline.OperatorToken)).Status);
        Assert.Equal(400, Refusal(await Curl("POST", url + "?expires=soon", "{}", token: pipeline.OperatorToken)).Status);
        Assert.Equal(404, (await Curl("GET", $"{pipeline.BridgeHttp}/commands/0123456789abcdef", token: pipeline.OperatorToken)).Status);

        await using (var unknown = await CliProcess.RunAsync(pipeline.Home, "commands", "send", "nobody", "--payload", "{}"))
        {
            Assert.NotEqual(0, unknown.ExitCode);
            Assert.Contains("No device with id 'nobody'", unknown.Stderr);
        }
        await using (var invalid = await CliProcess.RunAsync(pipeline.Home, "commands", "send", device.Id, "--payload", "{oops"))
        {
            Assert.NotEqual(0, invalid.ExitCode);
            Assert.Contains("not valid JSON", invalid.Stderr);
        }
        await using (var qos = await CliProcess.RunAsync(pipeline.Home, "commands", "send", device.Id, "--payload", "{}", "--qos", "2"))
        {
            Assert.NotEqual(0, qos.ExitCode);
            Assert.Contains("qos must be 0 or 1", qos.Stderr);
        }
        await using (var none = await CliProcess.RunAsync(pipeline.Home, "commands", "show", "no-such-command"))
        {
            Assert.NotEqual(0, none.ExitCode);
            Assert.Contains("No outcome recorded", none.Stderr);
        }
    }

    [Fact]
    public async Task A_retained_command_is_handed_to_a_device_when_it_subscribes_and_devices_cannot_retain()
    {
        var device = await pipeline.AddDeviceAsync("cmd-retain");
        var topic = $"devices/{device.Id}/commands";
        await using (var send = await CliProcess.RunAsync(pipeline.Home, "commands", "send", device.Id, "--payload", """{"config":{"interval":30}}""", "--retain"))
            Assert.True(send.ExitCode == 0, send.Stderr);

        // Subscribing after it was set: the device gets it with the RETAIN flag (the bridge applies iot.retained a
        // moment after Kafka took it, so the device resubscribes until it has it, bounded).
        await Eventually.HoldsAsync(async () =>
        {
            using var sub = await MosquittoDevice.SubscribeAsync(pipeline.MqttArgs(device), topic);
            // Either the retained message arrives, or a marker command sent after the subscription arrives first.
            var (status, _) = await Curl("POST", $"{pipeline.BridgeHttp}/commands/{device.Id}", """{"marker":1}""", token: pipeline.OperatorToken);
            Assert.Equal(202, status);
            await sub.WaitForAsync(o => o.Contains("""{"marker":1}"""), "the marker arrives");
            return sub.Output;
        }, o => o.Contains("received PUBLISH (d0, q1, r1") && o.Contains($$$"""{{{topic}}} {"config":{"interval":30}}"""),
            TimeSpan.FromSeconds(60), "the device gets the retained command on subscribe with r1");

        // An empty retained payload clears it: a new subscription gets only what is sent after it.
        await using (var clear = await CliProcess.RunAsync(pipeline.Home, "commands", "send", device.Id, "--payload", "", "--retain"))
        {
            Assert.True(clear.ExitCode == 0, clear.Stderr);
            Assert.Contains("cleared", clear.Stdout);
        }
        await Eventually.HoldsAsync(async () =>
        {
            using var sub = await MosquittoDevice.SubscribeAsync(pipeline.MqttArgs(device), topic);
            await Curl("POST", $"{pipeline.BridgeHttp}/commands/{device.Id}", """{"marker":2}""", token: pipeline.OperatorToken);
            await sub.WaitForAsync(o => o.Contains("""{"marker":2}"""), "the marker arrives");
            return sub.Output;
        }, o => !o.Contains("interval"), TimeSpan.FromSeconds(60), "no retained command after clearing it");

        // Devices cannot retain. An MQTT 5 client reads Retain Available = 0 in CONNACK and sends without the flag
        // (libmosquitto clears it); an MQTT 3.1.1 client, which cannot be told, is refused: no PUBACK, the
        // connection closed, the publish recorded in iot.rejected.
        var (_, v5) = await Run("mosquitto_pub", [.. pipeline.MqttArgs(device), "-V", "mqttv5", "-q", "1", "-d", "-r",
            "-t", $"devices/{device.Id}/telemetry", "-m", """{"t":1}"""]);
        Assert.Contains("sending PUBLISH (d0, q1, r0", v5);
        var (exit, v311) = await Run("mosquitto_pub", [.. pipeline.MqttArgs(device), "-V", "mqttv311", "-q", "1", "-d", "-r",
            "-t", $"devices/{device.Id}/telemetry", "-m", """{"t":2}"""]);
        Assert.Contains("sending PUBLISH (d0, q1, r1", v311);
        Assert.DoesNotContain("received PUBACK", v311);
        Assert.True(exit != 0, $"mosquitto_pub exited {exit}: {v311}");
        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home,
                $"SELECT count() FROM iot.rejected WHERE device_id = '{device.Id}' AND reason = 'RETAIN_NOT_SUPPORTED'"),
            n => n == 1, TimeSpan.FromSeconds(60), "the refusal is in iot.rejected");
    }

    [Fact]
    public async Task A_mosquitto_device_s_last_will_becomes_an_event_when_it_drops_and_a_foreign_will_is_refused()
    {
        var device = await pipeline.AddDeviceAsync("will-dev");
        using (var sub = await MosquittoDevice.SubscribeAsync(pipeline.MqttArgs(device), $"devices/{device.Id}/commands",
                   "--will-topic", $"devices/{device.Id}/events", "--will-payload", """{"type":"gone","battery":3}"""))
            sub.Kill();
        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home,
                $"SELECT count() FROM iot.events WHERE device_id = '{device.Id}' AND type = 'gone' AND JSONExtractInt(body, 'battery') = 3"),
            n => n == 1, TimeSpan.FromSeconds(60), "the will is an event in iot.events");

        var (exit, output) = await Run("mosquitto_sub", [.. pipeline.MqttArgs(device), "-V", "mqttv5", "-t", $"devices/{device.Id}/commands", "-C", "1",
            "--will-topic", "devices/someone-else/events", "--will-payload", "{}"]);
        Assert.True(exit != 0, $"mosquitto_sub exited {exit}: {output}");
        Assert.Contains("authori", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Mosquitto_sub_with_more_topic_filters_in_one_subscribe_than_the_limit_gets_quota_exceeded_for_each()
    {
        var device = await pipeline.AddDeviceAsync("limits-dev");
        // mosquitto_sub sends all its -t filters in one SUBSCRIBE: 9 is one over Limits:MaxTopicFiltersPerSubscribe.
        var filters = Enumerable.Range(0, 9).SelectMany(i => new[] { "-t", i == 0 ? $"devices/{device.Id}/commands" : $"devices/{device.Id}/shadow/name/s{i}/update/accepted" });
        // Its exit code is 0 either way: it reports a refused SUBSCRIBE but does not treat it as its own error.
        var (_, output) = await Run("mosquitto_sub", [.. pipeline.MqttArgs(device), "-V", "mqttv5", "-d", "-C", "1", "-W", "10", .. filters]);

        // The SUBACK refuses every filter with 0x97 (151), as AWS IoT Core refuses a SUBSCRIBE over its limit.
        Assert.Contains("Subscribed", output, StringComparison.Ordinal);
        Assert.Contains("151, 151, 151, 151, 151, 151, 151, 151, 151", output, StringComparison.Ordinal);
        Assert.Contains("denied", output, StringComparison.OrdinalIgnoreCase); // mosquitto_sub: "All subscription requests were denied."
        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home,
                $"SELECT count() FROM iot.rejected WHERE device_id = '{device.Id}' AND reason = 'QUOTA_EXCEEDED'"),
            n => n >= 1, TimeSpan.FromSeconds(60), "the refused SUBSCRIBE is in iot.rejected");
    }

    private static List<string> Outcomes(string json) =>
        JsonNode.Parse(json)!["outcomes"]!.AsArray().Select(o => o!["outcome"]!.GetValue<string>()).ToList();

    private static (int Status, string Message) Refusal((int Status, string Body) response) =>
        (response.Status, JsonNode.Parse(response.Body)!["message"]!.GetValue<string>());

    /// <summary>curl as the application: the status and body of one request.</summary>
    private static async Task<(int Status, string Body)> Curl(string method, string url, string? body = null, string? token = null)
    {
        var args = new List<string> { "-s", "-X", method, "-w", "\n%{http_code}" };
        if (token is not null)
            args.AddRange(["-H", $"Authorization: Bearer {token}"]);
        if (body is not null)
            args.AddRange(["-H", "Content-Type: application/json", "--data-binary", "@-"]);
        args.Add(url);
        var (exit, output) = await Run("curl", args, body);
        Assert.True(exit == 0, $"curl exited {exit}: {output}");
        var split = output.LastIndexOf('\n');
        return (int.Parse(output[(split + 1)..].Trim()), output[..split]);
    }

    /// <summary>A third-party client's exit code and everything it printed (mosquitto's -d lines go to stdout).</summary>
    private static async Task<(int Exit, string Output)> Run(string tool, IEnumerable<string> args, string? stdin = null)
    {
        var (exit, stdout, stderr) = await ExternalTool.TryRunAsync(tool, args, stdin);
        return (exit, stdout + stderr);
    }

    public sealed record Device(string Id, string Token);

    /// <summary>One `up --fresh` for the class, with the operator token the command API needs.</summary>
    public sealed class Pipeline : UpPipeline
    {
        public string[] MqttArgs(Device device) => ["-h", "127.0.0.1", "-p", TcpPort, "-i", device.Id, "-u", device.Id, "-P", device.Token];

        /// <summary>Registers a device and waits until the bridge's registry view knows it.</summary>
        public async Task<Device> AddDeviceAsync(string id)
        {
            await using var add = await CliProcess.RunAsync(Home, "devices", "add", id, "--json");
            Assert.True(add.ExitCode == 0, add.Stderr);
            var device = new Device(id, JsonNode.Parse(add.Stdout)!["token"]!.GetValue<string>());
            // The bridge answers 404 for a device it does not know yet; an invalid payload gets 400 once it does.
            await Eventually.HoldsAsync(async () => (await Curl("POST", $"{BridgeHttp}/commands/{id}", "{invalid", token: OperatorToken)).Status,
                s => s == 400, TimeSpan.FromSeconds(30), $"the bridge knows {id}");
            return device;
        }
    }
}
