using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// Device shadows end to end on one `up` (bridge, processor with the shadow writer, sink, embedded stack):
/// `./pipeline shadow`, the bridge's HTTP API called with curl, and mosquitto_pub/mosquitto_sub as the device.
/// </summary>
public sealed class ShadowsTests(ShadowsTests.Pipeline pipeline) : IClassFixture<ShadowsTests.Pipeline>
{
    [Fact]
    public async Task Cli_shadow_get_and_update_go_through_the_writer_with_aws_answers()
    {
        var device = await pipeline.AddDeviceAsync("cli-dev");

        await using (var missing = await CliProcess.RunAsync(pipeline.Home, "shadow", "get", device.Id))
        {
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("No shadow exists with name: 'cli-dev'", missing.Stderr);
            Assert.Contains("404", missing.Stderr);
        }
        await using (var update = await CliProcess.RunAsync(pipeline.Home, "shadow", "update", device.Id, "--desired", """{"color":"red","fan":{"speed":2}}"""))
        {
            Assert.True(update.ExitCode == 0, update.Stderr);
            Assert.Equal(1, JsonNode.Parse(update.Stdout)!["version"]!.GetValue<long>());
        }
        await using (var get = await CliProcess.RunAsync(pipeline.Home, "shadow", "get", device.Id))
        {
            Assert.True(get.ExitCode == 0, get.Stderr);
            var state = JsonNode.Parse(get.Stdout)!["state"]!;
            Assert.Equal(2, state["delta"]!["fan"]!["speed"]!.GetValue<int>());
            Assert.Equal("red", state["desired"]!["color"]!.GetValue<string>());
        }
        await using (var conflict = await CliProcess.RunAsync(pipeline.Home, "shadow", "update", device.Id, "--desired", """{"color":"blue"}""", "--version", "7"))
        {
            Assert.Equal(1, conflict.ExitCode);
            Assert.Equal((409, "Version conflict"), Rejection(conflict.Stderr));
        }
        await using (var named = await CliProcess.RunAsync(pipeline.Home, "shadow", "update", device.Id, "--name", "config", "--desired", """{"mode":"eco"}"""))
            Assert.True(named.ExitCode == 0, named.Stderr);
        await using (var namedGet = await CliProcess.RunAsync(pipeline.Home, "shadow", "get", device.Id, "--name", "config"))
        {
            Assert.True(namedGet.ExitCode == 0, namedGet.Stderr);
            var document = JsonNode.Parse(namedGet.Stdout)!;
            Assert.Equal(1, document["version"]!.GetValue<long>());
            Assert.Null(document["state"]!["desired"]!["color"]);
        }
        await using (var bad = await CliProcess.RunAsync(pipeline.Home, "shadow", "update", device.Id, "--desired", "{not json"))
        {
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("--desired is not valid JSON", bad.Stderr);
        }
    }

    [Fact]
    public async Task The_http_api_answers_curl_with_aws_status_codes_and_keeps_named_shadows_apart()
    {
        var device = await pipeline.AddDeviceAsync("http-dev");
        var url = $"{pipeline.BridgeHttp}/shadows/{device.Id}";

        Assert.Equal(401, (await Curl("GET", url, token: null)).Status);
        Assert.Equal(401, (await Curl("GET", url, token: "not-the-operator-token")).Status);
        Assert.Equal((404, "No shadow exists with name: 'http-dev'"), Rejection((await Curl("GET", url)).Body));

        var first = await Curl("POST", url, """{"state":{"desired":{"color":"red"}},"clientToken":"app-1"}""");
        Assert.Equal(200, first.Status);
        Assert.Equal((1L, "app-1"), (JsonNode.Parse(first.Body)!["version"]!.GetValue<long>(), JsonNode.Parse(first.Body)!["clientToken"]!.GetValue<string>()));
        Assert.Equal((409, "Version conflict"), Rejection((await Curl("POST", url, """{"state":{"desired":{"color":"blue"}},"version":5}""")).Body));
        Assert.Equal(409, (await Curl("POST", url, """{"state":{"desired":{"color":"blue"}},"version":5}""")).Status);
        Assert.Equal((400, "Invalid JSON"), Rejection((await Curl("POST", url, "{\"state\":")).Body));
        Assert.Equal((400, "Missing required node: state"), Rejection((await Curl("POST", url, """{"desired":{}}""")).Body));
        var deep = """{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}""";
        Assert.Equal(400, (await Curl("POST", url, deep)).Status);
        // Under 8 KiB as a request, but the stored state would pass the limit: the writer refuses it.
        var half = new string('x', 4500);
        Assert.Equal(200, (await Curl("POST", url, Update("desired", "big1", half))).Status);
        Assert.Equal((413, "The payload exceeds the maximum size allowed"), Rejection((await Curl("POST", url, Update("reported", "big2", half))).Body));
        Assert.Equal(413, (await Curl("POST", url, Update("desired", "big3", new string('y', 9000)))).Status);

        // Named shadows: each its own document and version; the classic one is untouched.
        Assert.Equal(200, (await Curl("POST", url + "?name=a", """{"state":{"desired":{"on":true}}}""")).Status);
        Assert.Equal((404, "No shadow exists with name: 'b'"), Rejection((await Curl("GET", url + "?name=b")).Body));
        var a = JsonNode.Parse((await Curl("GET", url + "?name=a")).Body)!;
        Assert.Equal((1L, true), (a["version"]!.GetValue<long>(), a["state"]!["desired"]!["on"]!.GetValue<bool>()));
        Assert.Null(a["state"]!["desired"]!["color"]);
        var classic = JsonNode.Parse((await Curl("GET", url)).Body)!;
        Assert.Equal(2L, classic["version"]!.GetValue<long>());
        Assert.Null(classic["state"]!["desired"]!["on"]);
    }

    [Fact]
    public async Task A_device_offline_while_desired_changed_gets_the_delta_with_mosquitto_reports_and_history_lands_in_clickhouse()
    {
        var device = await pipeline.AddDeviceAsync("mosq-dev");
        var url = $"{pipeline.BridgeHttp}/shadows/{device.Id}";

        // The application sets desired state while the device is not connected.
        Assert.Equal(200, (await Curl("POST", url, """{"state":{"desired":{"color":"green","interval":30}}}""")).Status);

        // The device connects and subscribes: the bridge hands it the pending delta. The bridge learns the new
        // document from iot.shadows a moment after the HTTP answer; a device subscribing within that moment gets
        // the delta at its next reconnect, so the device here reconnects until it has it (bounded).
        var deltaText = "";
        for (var attempt = 0; attempt < 6 && deltaText.Length == 0; attempt++)
        {
            var (exit, stdout, stderr) = await ExternalTool.TryRunAsync("mosquitto_sub", [.. pipeline.MqttArgs(device), "-V", "mqttv5", "-q", "1", "-C", "1", "-W", "10",
                "-t", $"devices/{device.Id}/shadow/update/delta"]);
            Assert.True(exit is 0 or 27, $"mosquitto_sub exited {exit} (27 = timed out, anything else is a failure): {stderr}");
            deltaText = exit == 0 ? stdout.Trim() : "";
        }
        Assert.True(deltaText.Length > 0, "the device receives the pending delta when it subscribes");
        var delta = JsonNode.Parse(deltaText)!;
        Assert.Equal(("green", 30), (delta["state"]!["color"]!.GetValue<string>(), delta["state"]!["interval"]!.GetValue<int>()));
        Assert.Equal(1L, delta["version"]!.GetValue<long>());

        // It applies the change and reports it; the delta is gone.
        await ExternalTool.RunAsync("mosquitto_pub", [.. pipeline.MqttArgs(device), "-V", "mqttv5", "-q", "1",
            "-t", $"devices/{device.Id}/shadow/update", "-m", """{"state":{"reported":{"color":"green","interval":30}}}"""]);
        var current = await Eventually.HoldsAsync(async () => JsonNode.Parse((await Curl("GET", url)).Body)!,
            d => d["version"]?.GetValue<long>() == 2, TimeSpan.FromSeconds(30), "the device's report applied (version 2)");
        Assert.Null(current["state"]!["delta"]);
        Assert.Equal("green", current["state"]!["reported"]!["color"]!.GetValue<string>());

        // Analysts see each accepted change in iot.shadow_history.
        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home, $"SELECT count() FROM iot.shadow_history WHERE device_id = '{device.Id}'"),
            n => n == 2, TimeSpan.FromSeconds(60), "2 shadow_history rows");
        await using var rows = await CliProcess.RunAsync(pipeline.Home, "query",
            $"SELECT version, name, JSONExtractString(document, 'state', 'reported', 'color') AS reported FROM iot.shadow_history WHERE device_id = '{device.Id}' ORDER BY version",
            "--format", "csv");
        Assert.Equal(["version,name,reported", "1,,", "2,,green"],
            rows.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Concurrent_updates_from_the_device_and_an_application_are_serialised_without_forked_versions()
    {
        var device = await pipeline.AddDeviceAsync("race-dev");
        var url = $"{pipeline.BridgeHttp}/shadows/{device.Id}";
        const int each = 15;

        // The device publishes its reports over one MQTT connection (one line = one message) while the application posts.
        var reports = string.Join('\n', Enumerable.Range(1, each).Select(i => Update("reported", $"r{i}", i)));
        var deviceSide = ExternalTool.RunAsync("mosquitto_pub", [.. pipeline.MqttArgs(device), "-V", "mqttv5", "-q", "1", "-t", $"devices/{device.Id}/shadow/update", "-l"], stdin: reports);
        var applicationSide = Task.WhenAll(Enumerable.Range(1, each).Select(i => Curl("POST", url, Update("desired", $"d{i}", i))));
        await deviceSide;
        Assert.All(await applicationSide, r => Assert.Equal(200, r.Status));

        var document = await Eventually.HoldsAsync(async () => JsonNode.Parse((await Curl("GET", url)).Body)!,
            d => d["version"]?.GetValue<long>() == 2 * each, TimeSpan.FromSeconds(60), $"version {2 * each} after {2 * each} updates");
        Assert.Equal(each, document["state"]!["desired"]!.AsObject().Count);
        Assert.Equal(each, document["state"]!["reported"]!.AsObject().Count);
        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home, $"SELECT uniqExact(version) FROM iot.shadow_history WHERE device_id = '{device.Id}' AND version BETWEEN 1 AND {2 * each}"),
            n => n == 2 * each, TimeSpan.FromSeconds(60), "one history row per version 1..30");
        Assert.Equal(2 * each, await UpTests.CountAsync(pipeline.Home, $"SELECT count() FROM iot.shadow_history WHERE device_id = '{device.Id}'"));
    }

    /// <summary>An update request setting one field of desired or reported.</summary>
    private static string Update(string section, string field, JsonNode value) =>
        new JsonObject { ["state"] = new JsonObject { [section] = new JsonObject { [field] = value } } }.ToJsonString();

    private static (int Code, string Message) Rejection(string json)
    {
        var node = JsonNode.Parse(json)!;
        return (node["code"]!.GetValue<int>(), node["message"]!.GetValue<string>());
    }

    /// <summary>curl as the application: the status and body of one request; the operator token of credentials.json unless <paramref name="token"/> says otherwise (null: none).</summary>
    private async Task<(int Status, string Body)> Curl(string method, string url, string? body = null, string? token = "")
    {
        token = token == "" ? pipeline.OperatorToken : token;
        var args = new List<string> { "-s", "-X", method, "-w", "\n%{http_code}" };
        if (token is not null)
            args.AddRange(["-H", $"Authorization: Bearer {token}"]);
        if (body is not null)
            args.AddRange(["-H", "Content-Type: application/json", "--data-binary", "@-"]);
        args.Add(url);
        var output = await ExternalTool.RunAsync("curl", args, body);
        var split = output.LastIndexOf('\n');
        return (int.Parse(output[(split + 1)..].Trim()), output[..split]);
    }

    public sealed record Device(string Id, string Token);

    /// <summary>One `up --fresh` for the class; the operator APIs take the token `up` generated into credentials.json.</summary>
    public sealed class Pipeline : UpPipeline
    {
        public string[] MqttArgs(Device device) => ["-h", "127.0.0.1", "-p", TcpPort, "-i", device.Id, "-u", device.Id, "-P", device.Token];

        /// <summary>Registers a device and waits until the bridge's registry view knows it.</summary>
        public async Task<Device> AddDeviceAsync(string id)
        {
            await using var add = await CliProcess.RunAsync(Home, "devices", "add", id, "--json");
            Assert.True(add.ExitCode == 0, add.Stderr);
            var device = new Device(id, JsonDocument.Parse(add.Stdout).RootElement.GetProperty("token").GetString()!);
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", OperatorToken);
            await Eventually.HoldsAsync(async () => await (await http.GetAsync($"{BridgeHttp}/shadows/{id}")).Content.ReadAsStringAsync(),
                body => !body.Contains("No device with id"), TimeSpan.FromSeconds(30), $"the bridge knows {id}");
            return device;
        }
    }
}
