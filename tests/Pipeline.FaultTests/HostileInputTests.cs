using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Cli.IntegrationTests;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.FaultTests;

/// <summary>
/// What a device sends that could do harm, through the whole pipeline under `up`: names that look like
/// SQL or are not ASCII come out of ClickHouse exactly as sent or are refused; JSON bombs are refused
/// with their specific reason while the same connection and other devices keep being served; and the
/// bridge's memory stays within a stated bound through rounds of all of it.
/// </summary>
public sealed class HostileInputTests(PipelineFixture fixture, ITestOutputHelper output) : IClassFixture<PipelineFixture>
{
    private RunningPipeline Pipeline => fixture.Pipeline;

    // Metric names are plain identifiers (ASCII letters, digits, '_'): the bridge refuses anything else
    // before it acknowledges, so an acknowledged value is never refused later by the processor.
    [Theory]
    [InlineData("sql", new[] { "x'); DROP TABLE iot.telemetry; --", "a\"b`c\\d", "{name:String}" })]
    [InlineData("unicode", new[] { "température_C", "温度", "Влажность" })]
    public async Task Metric_names_with_sql_metacharacters_or_unicode_are_refused_and_never_change_a_query(string kind, string[] names)
    {
        var device = "hostile-names-" + kind;
        await using var client = await ConnectAsync(device);
        var result = await PublishAsync(client, device, Telemetry(names));
        Assert.False(result.IsSuccess, "a publish with such metric names must not be acknowledged");
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        await Eventually.HoldsAsync(() => Pipeline.CountAsync($"SELECT count() FROM iot.rejected WHERE device_id = '{device}'"), n => n == 1,
            TimeSpan.FromSeconds(60), $"the publish (answered {result.ReasonCode}) is recorded in iot.rejected");
        var reason = (await Pipeline.RowsAsync($"SELECT reason FROM iot.rejected WHERE device_id = '{device}'")).Single().GetProperty("reason").GetString();
        Assert.Contains("METRIC_NAME", reason);
        Assert.Equal(0, await Pipeline.CountAsync($"SELECT count() FROM iot.telemetry WHERE device_id = '{device}'"));
        Assert.Equal(1, await Pipeline.CountAsync("SELECT count() FROM system.tables WHERE database = 'iot' AND name = 'telemetry'"));
    }

    private static string Telemetry(IReadOnlyList<string> names) =>
        "{\"seq\":1," + string.Join(',', names.Select((n, i) => $"{System.Text.Json.JsonSerializer.Serialize(n)}:{i + 1}")) + "}";

    [Theory]
    [InlineData("x'; DROP TABLE iot.devices; --")]
    [InlineData("dev\"ice")]
    [InlineData("설비-1")]
    public async Task Device_ids_with_sql_metacharacters_or_unicode_are_refused_at_registration(string deviceId)
    {
        await using var add = await CliProcess.RunAsync(Pipeline.Home, "devices", "add", deviceId, "--json");
        Assert.NotEqual(0, add.ExitCode);
        Assert.Contains("id", add.Stderr + add.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.True(await Pipeline.CountAsync("SELECT count() FROM iot.devices") >= 0, "the registry table still answers");
    }

    // Each bomb with the refusal it must get: PUBACK 0x99 Payload format invalid and this iot.rejected reason.
    public static TheoryData<string, string, string> Bombs => new()
    {
        { "deep nesting", "{\"metrics\":" + new string('[', 50_000) + new string(']', 50_000) + "}", "MALFORMED_PAYLOAD" },
        { "deep objects", string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000), "MALFORMED_PAYLOAD" },
        { "10,000 keys", "{" + string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"\"k{i}\":{i}")) + "}", "TOO_MANY_METRICS" },
        { "huge exponent", "{\"temperature\":1e400}", "NON_FINITE_VALUE" },
        { "1,000-digit number", "{\"temperature\":" + new string('9', 1_000) + "}", "NON_FINITE_VALUE" },
    };

    [Theory]
    [MemberData(nameof(Bombs))]
    public async Task Json_bombs_are_refused_with_their_reason_and_the_device_keeps_being_served(string bomb, string payload, string reason)
    {
        var device = "hostile-bomb-" + bomb.Replace(' ', '-').Replace(",", "");
        await using var client = await ConnectAsync(device);
        await using var bystander = await ConnectAsync(device + "-bystander");

        var result = await PublishAsync(client, device, payload);
        Assert.False(result.IsSuccess, $"{bomb}: accepted");
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        Assert.False(string.IsNullOrEmpty(result.ReasonString), $"{bomb}: the PUBACK says why");

        // The same connection and another device are still served, and what they send lands.
        Assert.True((await PublishAsync(client, device, "{\"seq\":2,\"temperature\":21.5}")).IsSuccess, $"{bomb}: the device's next publish");
        Assert.True((await PublishAsync(bystander, device + "-bystander", "{\"seq\":1,\"temperature\":20}")).IsSuccess, $"{bomb}: another device");
        await Eventually.HoldsAsync(() => Pipeline.CountAsync($"SELECT count() FROM iot.telemetry WHERE device_id LIKE '{device}%'"), n => n == 2,
            TimeSpan.FromSeconds(90), "the good publishes land, the bomb does not");
        await Eventually.HoldsAsync(() => Pipeline.CountAsync($"SELECT count() FROM iot.rejected WHERE device_id = '{device}'"), n => n == 1,
            TimeSpan.FromSeconds(90), "the bomb is recorded in iot.rejected");
        var recorded = (await Pipeline.RowsAsync($"SELECT reason FROM iot.rejected WHERE device_id = '{device}'")).Single().GetProperty("reason").GetString();
        Assert.Equal(reason, recorded);
    }

    // Generous: the hostile rounds below push ~3 MB of bombs and ~1 MB of garbage through the bridge;
    // a leak of what each refused publish or connection holds would pass this bound within the rounds.
    private const long MemoryBoundBytes = 256L * 1024 * 1024;

    [Fact]
    public async Task The_bridge_stays_within_a_memory_bound_through_rounds_of_hostile_input()
    {
        var pid = Pipeline.ServicePid("Pipeline.MqttBridge");
        Assert.True(pid is not null, "the bridge process of `up` is found");
        const string device = "hostile-memory";
        await using var client = await ConnectAsync(device);
        await using var bystander = await ConnectAsync(device + "-bystander");
        var random = new Random(17);

        async Task RoundAsync()
        {
            foreach (var bomb in Bombs)
                Assert.False((await PublishAsync(client, device, (string)bomb[1])).IsSuccess, $"{bomb[0]}: accepted");
            for (var i = 0; i < 20; i++)
            {
                var garbage = new byte[random.Next(1, 65_536)];
                random.NextBytes(garbage);
                await SendAndWaitForCloseAsync(garbage);
            }
            for (var i = 0; i < 100; i++)
                await SendAndWaitForCloseAsync(ConnectV5(device, "wrong-token-" + i));
        }

        await RoundAsync(); // warm-up: first-time allocations (JIT, pools, Kafka buffers) are not growth
        var before = ResidentBytes(pid!.Value);
        for (var round = 0; round < 5; round++)
            await RoundAsync();
        var after = ResidentBytes(pid.Value);
        output.WriteLine($"bridge RSS {before / 1048576.0:N1} MiB before, {after / 1048576.0:N1} MiB after 5 hostile rounds (bound: +{MemoryBoundBytes / 1048576} MiB)");

        Assert.True(after - before < MemoryBoundBytes,
            $"the bridge grew from {before / 1048576.0:N1} MiB to {after / 1048576.0:N1} MiB through 5 rounds of hostile input (bound +{MemoryBoundBytes / 1048576} MiB)");
        Assert.True((await PublishAsync(client, device, "{\"temperature\":1}")).IsSuccess, "the hostile device's good publish is still taken");
        Assert.True((await PublishAsync(bystander, device + "-bystander", "{\"temperature\":1}")).IsSuccess, "another device is still served");
    }

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Sends the bytes on a new connection, half-closes it and reads until the bridge closes it.</summary>
    private async Task SendAndWaitForCloseAsync(byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Pipeline.MqttPort), timeout.Token);
            await socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Closed by the bridge (reset) before everything was sent or read: that is the point.
        }
    }

    private static byte[] ConnectV5(string clientId, string password)
    {
        static byte[] Str(string s) => [(byte)(Encoding.UTF8.GetByteCount(s) >> 8), (byte)Encoding.UTF8.GetByteCount(s), .. Encoding.UTF8.GetBytes(s)];
        byte[] body = [.. Str("MQTT"), 5, 0b1100_0010, 0, 60, 0, .. Str(clientId), .. Str(clientId), .. Str(password)];
        return [0x10, (byte)body.Length, .. body]; // short ids: the remaining length fits one byte
    }

    private async Task<Device> ConnectAsync(string deviceId)
    {
        var token = await Pipeline.AddDeviceAsync(deviceId);
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Pipeline.MqttPort)
            .WithClientId(deviceId).WithCredentials(deviceId, token).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(30)).Build();
        // The bridge admits a new device once it has read the registry topic.
        IMqttClient? connected = null;
        await Eventually.HoldsAsync(async () =>
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var result = await client.ConnectAsync(options);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
                connected = client;
            else
                client.Dispose();
            return result.ResultCode;
        }, code => code == MqttClientConnectResultCode.Success, TimeSpan.FromSeconds(30), $"the bridge admits the new device {deviceId}");
        return new Device(connected!);
    }

    private static Task<MqttClientPublishResult> PublishAsync(Device device, string deviceId, string json) =>
        device.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{deviceId}/telemetry")
            .WithPayload(Encoding.UTF8.GetBytes(json)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private sealed class Device(IMqttClient client) : IAsyncDisposable
    {
        public IMqttClient Client { get; } = client;

        public async ValueTask DisposeAsync()
        {
            await Client.DisconnectAsync();
            Client.Dispose();
        }
    }
}
