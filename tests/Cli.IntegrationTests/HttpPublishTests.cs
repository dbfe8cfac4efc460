using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// HTTP publish (AWS IoT Core's HTTPS device gateway) end to end on one `up`, with curl as the device: a client
/// certificate or a bearer token, 200 after Kafka, the same refusals (and iot.rejected rows) as MQTT.
/// </summary>
public sealed class HttpPublishTests(HttpPublishTests.Pipeline pipeline) : IClassFixture<HttpPublishTests.Pipeline>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Curl_with_the_client_certificate_or_the_token_publishes_telemetry_that_lands_in_clickhouse()
    {
        var device = await pipeline.AddDeviceAsync("http-a");

        var withCertificate = await pipeline.CurlAsync("devices/http-a/telemetry?qos=1", """{"seq":1,"temperature":21.5}""", device.CertificateArgs);
        Assert.Equal(200, withCertificate.Status);
        var withToken = await pipeline.CurlAsync("devices/http-a/telemetry?qos=1", """{"seq":2,"temperature":22.5}""", ["-H", $"Authorization: Bearer {device.Token}"]);
        Assert.Equal(200, withToken.Status);
        var atMostOnce = await pipeline.CurlAsync("devices/http-a/events", """{"type":"door","open":true}""", device.CertificateArgs);
        Assert.Equal(200, atMostOnce.Status);

        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home, "SELECT count() FROM iot.telemetry WHERE device_id = 'http-a' AND metric = 'temperature'"),
            n => n == 2, Patience, "both HTTP publishes in iot.telemetry");
        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home, "SELECT count() FROM iot.events WHERE device_id = 'http-a' AND type = 'door'"),
            n => n == 1, Patience, "the qos=0 event in iot.events");
    }

    [Fact]
    public async Task A_device_publishing_the_moment_devices_add_returns_is_accepted()
    {
        await using var add = await CliProcess.RunAsync(pipeline.Home, ["devices", "add", "http-fresh", "--json"]);
        Assert.True(add.ExitCode == 0, add.Stderr);
        var token = JsonDocument.Parse(add.Stdout).RootElement.GetProperty("token").GetString()!;

        var first = await pipeline.CurlAsync("devices/http-fresh/telemetry?qos=1", """{"seq":1,"temperature":20}""", ["-H", $"Authorization: Bearer {token}"]);

        Assert.True(first.Status == 200, $"{first.Status}: {first.Message}");
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused_with_403_even_with_the_device_id_as_its_name()
    {
        await pipeline.AddDeviceAsync("http-forged");
        // A certificate made by anyone (openssl, self-signed) naming a registered device is not the fleet CA's.
        var dir = Path.Combine(pipeline.Home.StateDir, "forged");
        Directory.CreateDirectory(dir);
        var (cert, key) = (Path.Combine(dir, "forged.crt"), Path.Combine(dir, "forged.key"));
        await ExternalTool.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=http-forged",
            "-days", "1", "-keyout", key, "-out", cert]);

        var forged = await pipeline.CurlAsync("devices/http-forged/telemetry?qos=1", """{"t":1}""", ["--cert", cert, "--key", key]);

        Assert.Equal(403, forged.Status);
        Assert.Contains("client certificate refused", forged.Message);
    }

    [Fact]
    public async Task Refusals_get_the_status_and_reason_and_refused_payloads_are_recorded()
    {
        var device = await pipeline.AddDeviceAsync("http-b");
        await pipeline.AddDeviceAsync("http-other");
        var token = (string[])["-H", $"Authorization: Bearer {device.Token}"];

        var otherTopic = await pipeline.CurlAsync("devices/http-other/telemetry?qos=1", """{"t":1}""", device.CertificateArgs);
        Assert.Equal(403, otherTopic.Status);
        Assert.Contains("devices/http-b/", otherTopic.Message);
        var malformed = await pipeline.CurlAsync("devices/http-b/telemetry?qos=1", "{not json", token);
        Assert.Equal(400, malformed.Status);
        var tooLarge = await pipeline.CurlAsync("devices/http-b/telemetry?qos=1", "{\"a\":\"" + new string('x', 140_000) + "\"}", token);
        Assert.Equal(413, tooLarge.Status);
        Assert.Contains("exceeds the limit of 131072 bytes", tooLarge.Message);
        Assert.Equal(400, (await pipeline.CurlAsync("devices/http-b/telemetry?qos=2", """{"t":1}""", token)).Status);
        Assert.Equal(401, (await pipeline.CurlAsync("devices/http-b/telemetry?qos=1", """{"t":1}""", ["-H", "Authorization: Bearer wrong-token"])).Status);
        Assert.Equal(401, (await pipeline.CurlAsync("devices/http-b/telemetry?qos=1", """{"t":1}""", [])).Status);

        // Over plain HTTP (the bridge's Http:Url) publishing is refused: a token must not travel in clear text.
        var plain = await pipeline.CurlAsync("devices/http-b/telemetry?qos=1", """{"t":1}""", token, pipeline.BridgeHttp);
        Assert.Equal(403, plain.Status);

        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home,
                "SELECT count() FROM iot.rejected WHERE device_id = 'http-b' AND reason IN ('NOT_AUTHORIZED', 'MALFORMED_PAYLOAD', 'PAYLOAD_TOO_LARGE')"),
            n => n == 3, Patience, "3 iot.rejected rows for http-b");
    }

    [Fact]
    public async Task A_device_over_its_rate_gets_429()
    {
        var device = await pipeline.AddDeviceAsync("http-slow", "--attr", "rate_limit=1");
        // One message per second allowed; curl posts back to back until both answers were seen, for up to 30 s. Bounded by
        // time, not by a count: the probe in AddDeviceAsync took the second's token, and 100 quick curls could all fall
        // within that second (CI saw only 429s).
        var statuses = new HashSet<int>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(30) && !(statuses.Contains(200) && statuses.Contains(429)); i++)
            statuses.Add((await pipeline.CurlAsync("devices/http-slow/events?qos=1", $$"""{"n":{{i}}}""", device.CertificateArgs)).Status);
        Assert.Equal([200, 429], statuses.Order());
    }

    [Fact]
    public async Task The_operator_api_answers_on_the_https_endpoint_too()
    {
        await pipeline.AddDeviceAsync("http-shadow");
        var (exit, stdout, stderr) = await ExternalTool.TryRunAsync("curl", ["-s", "-w", "\n%{http_code}", "--cacert", pipeline.CaCert,
            "-H", $"Authorization: Bearer {pipeline.OperatorToken}", $"{pipeline.Https}/shadows/http-shadow"]);
        Assert.True(exit == 0, stderr);
        var split = stdout.LastIndexOf('\n');
        Assert.Equal("404", stdout[(split + 1)..]);
        Assert.Equal("No shadow exists with name: 'http-shadow'", JsonNode.Parse(stdout[..split])!["message"]!.GetValue<string>());
    }

    public sealed record Device(string Id, string Token, string[] CertificateArgs);

    /// <summary>One `up --fresh` for the class; the shadow API's operator token set to show it answers on HTTPS.</summary>
    public sealed class Pipeline : UpPipeline
    {
        public string Https => $"https://localhost:{Home.Environment["PIPELINE__Listeners__HttpsPort"]}";
        public string CaCert => Path.Combine(Home.StateDir, "ca", "ca.crt");

        protected override async Task StartedAsync()
        {
            var endpoints = JsonDocument.Parse(await File.ReadAllTextAsync(Home.EndpointsFile)).RootElement;
            Assert.Equal($"https://127.0.0.1:{Home.Environment["PIPELINE__Listeners__HttpsPort"]}", endpoints.GetProperty("https").GetString());
        }

        /// <summary>Registers a device with a client certificate and waits until the bridge accepts it over HTTPS.</summary>
        public async Task<Device> AddDeviceAsync(string id, params string[] extra)
        {
            var certs = Path.Combine(Home.StateDir, "certs-" + id);
            await using var add = await CliProcess.RunAsync(Home, ["devices", "add", id, "--cert", certs, "--json", .. extra]);
            Assert.True(add.ExitCode == 0, add.Stderr);
            var device = new Device(id, JsonDocument.Parse(add.Stdout).RootElement.GetProperty("token").GetString()!,
                ["--cert", Path.Combine(certs, id + ".crt"), "--key", Path.Combine(certs, id + ".key")]);
            // A refused certificate (device not yet known to the bridge) answers 403; an empty shadow update is refused by the writer, so nothing is stored.
            await Eventually.HoldsAsync(async () => (await CurlAsync($"devices/{id}/shadow/get", "", device.CertificateArgs)).Status,
                status => status == 200, Patience, $"the bridge accepts {id} over HTTPS");
            return device;
        }

        /// <summary>curl as the device: POST the payload to /topics/&lt;path&gt;; the status and the reason of a refusal.</summary>
        public async Task<(int Status, string Message)> CurlAsync(string path, string payload, IEnumerable<string> credentials, string? baseUrl = null)
        {
            var args = new List<string> { "-s", "-X", "POST", "-w", "\n%{http_code}", "--cacert", CaCert, "--data-binary", "@-" };
            args.AddRange(credentials);
            args.Add($"{baseUrl ?? Https}/topics/{path}");
            var (exit, stdout, stderr) = await ExternalTool.TryRunAsync("curl", args, payload);
            Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
            var split = stdout.LastIndexOf('\n');
            var body = stdout[..split];
            var message = body.StartsWith('{') ? JsonNode.Parse(body)?["message"]?.GetValue<string>() ?? "" : body;
            return (int.Parse(stdout[(split + 1)..].Trim()), message);
        }
    }
}
