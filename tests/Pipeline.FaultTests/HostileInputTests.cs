using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Cli.IntegrationTests;
using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// What a device sends that could do harm, through the whole pipeline under `up`: names that look like
/// SQL or are not ASCII come out of ClickHouse exactly as sent or are refused; JSON bombs are refused
/// with a reason code while the same connection and other devices keep being served.
/// </summary>
public sealed class HostileInputTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
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

    public static TheoryData<string, string> Bombs => new()
    {
        { "deep nesting", "{\"metrics\":" + new string('[', 50_000) + new string(']', 50_000) + "}" },
        { "deep objects", string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000) },
        { "10,000 keys", "{" + string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"\"k{i}\":{i}")) + "}" },
        { "huge exponent", "{\"temperature\":1e400}" },
        { "1,000-digit number", "{\"temperature\":" + new string('9', 1_000) + "}" },
    };

    [Theory]
    [MemberData(nameof(Bombs))]
    public async Task Json_bombs_are_refused_with_a_reason_and_the_device_keeps_being_served(string bomb, string payload)
    {
        var device = "hostile-bomb-" + bomb.Replace(' ', '-').Replace(",", "");
        await using var client = await ConnectAsync(device);
        await using var bystander = await ConnectAsync(device + "-bystander");

        var result = await PublishAsync(client, device, payload);
        Assert.False(result.IsSuccess, $"{bomb}: accepted");
        Assert.NotEqual(MqttClientPublishReasonCode.UnspecifiedError, result.ReasonCode);

        // The same connection and another device are still served, and what they send lands.
        Assert.True((await PublishAsync(client, device, "{\"seq\":2,\"temperature\":21.5}")).IsSuccess, $"{bomb}: the device's next publish");
        Assert.True((await PublishAsync(bystander, device + "-bystander", "{\"seq\":1,\"temperature\":20}")).IsSuccess, $"{bomb}: another device");
        await Eventually.HoldsAsync(() => Pipeline.CountAsync($"SELECT count() FROM iot.telemetry WHERE device_id LIKE '{device}%'"), n => n == 2,
            TimeSpan.FromSeconds(90), "the good publishes land, the bomb does not");
        await Eventually.HoldsAsync(() => Pipeline.CountAsync($"SELECT count() FROM iot.rejected WHERE device_id = '{device}'"), n => n == 1,
            TimeSpan.FromSeconds(90), "the bomb is recorded in iot.rejected");
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
