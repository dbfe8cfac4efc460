using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>Bad input after CONNECT: each gets its reason code and an iot.rejected record, and never reaches the telemetry topic.</summary>
public sealed class PolicyTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Theory]
    [InlineData("devices/{other}/telemetry")]
    [InlineData("devices/{id}x/telemetry")]
    [InlineData("$SYS/broker/load")]
    [InlineData("devices/{id}//telemetry")]
    [InlineData("telemetry")]
    public async Task Publishing_outside_the_prefix_is_not_authorized(string pattern)
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var topic = pattern.Replace("{id}", device.DeviceId).Replace("{other}", "someone-else");

        var result = await PublishQos1(client, topic, """{"v":1}""");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.NotAuthorized);
        Assert.Equal(topic, rejected.Topic);
        Assert.Equal("""{"v":1}""", rejected.Payload.ToStringUtf8());
        Assert.Equal("bridge", rejected.Stage);
        Assert.Empty(await Bridge.RecordsNowAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId));
    }

    [Theory]
    [InlineData("#")]
    [InlineData("devices/#")]
    [InlineData("devices/+/commands")]
    [InlineData("+/+/commands")]
    [InlineData("$SYS/#")]
    [InlineData("devices/{other}/commands")]
    [InlineData("devices/{id}//commands")]
    public async Task Subscribing_outside_the_prefix_is_not_authorized(string pattern)
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var filter = pattern.Replace("{id}", device.DeviceId).Replace("{other}", "someone-else");

        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter).Build());

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single(result.Items).ResultCode);
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.NotAuthorized);
        Assert.Equal(filter, rejected.Topic);
    }

    [Fact]
    public async Task Subscribing_inside_the_prefix_with_wildcards_is_granted()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{device.DeviceId}/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, Assert.Single(result.Items).ResultCode);
    }

    [Theory]
    [InlineData("shadow/update/accepted", "not a shadow request topic")]
    [InlineData("status", "not a pipeline topic")]
    [InlineData("commands", "cannot publish")]
    public async Task Unknown_topics_under_the_prefix_are_refused_as_invalid(string suffix, string why)
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var result = await PublishQos1(client, $"devices/{device.DeviceId}/{suffix}", "{}");
        Assert.Equal(MqttClientPublishReasonCode.TopicNameInvalid, result.ReasonCode);
        Assert.Contains(why, result.ReasonString);
        await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.InvalidTopic);
    }

    [Theory]
    [InlineData("not json", MqttClientPublishReasonCode.PayloadFormatInvalid, Reason.MalformedPayload)]
    [InlineData("""{"status":"ok"}""", MqttClientPublishReasonCode.PayloadFormatInvalid, Reason.MalformedPayload)]
    [InlineData("""{"temperature":NaN}""", MqttClientPublishReasonCode.PayloadFormatInvalid, Reason.NonFiniteValue)]
    [InlineData("""{"temperature":Infinity}""", MqttClientPublishReasonCode.PayloadFormatInvalid, Reason.NonFiniteValue)]
    public async Task Unusable_telemetry_is_refused_with_its_reason(string payload, MqttClientPublishReasonCode code, Reason reason)
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var result = await PublishQos1(client, $"devices/{device.DeviceId}/telemetry", payload);
        Assert.Equal(code, result.ReasonCode);
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, reason);
        Assert.Equal(payload, rejected.Payload.ToStringUtf8());
        Assert.Empty(await Bridge.RecordsNowAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId));
    }

    [Fact]
    public async Task A_payload_over_128_KiB_is_refused_and_the_connection_keeps_working()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var big = "{\"v\":1,\"pad\":\"" + new string('x', 129 * 1024) + "\"}";
        var result = await PublishQos1(client, $"devices/{device.DeviceId}/telemetry", big);
        Assert.Equal(MqttClientPublishReasonCode.ImplementationSpecificError, result.ReasonCode);
        Assert.Contains("exceeds the limit", result.ReasonString);
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.PayloadTooLarge);
        // iot.rejected keeps a bounded prefix of the refused payload, and says so.
        Assert.Equal(Encoding.UTF8.GetByteCount(big[..4096]), rejected.Payload.Length);
        Assert.Equal(big[..4096], rejected.Payload.ToStringUtf8());
        Assert.Contains($"first 4096 of {Encoding.UTF8.GetByteCount(big)} bytes kept", rejected.Detail);
        Assert.True((await PublishQos1(client, $"devices/{device.DeviceId}/telemetry", """{"v":2}""")).IsSuccess);
    }

    [Fact]
    public async Task Publishing_faster_than_the_devices_rate_limit_is_refused_with_quota_exceeded()
    {
        var device = await Bridge.AddDeviceAsync(attributes: new Dictionary<string, string> { ["rate_limit"] = "3" });
        using var client = await Connect(device);
        var results = new List<MqttClientPublishResult>();
        for (var i = 0; i < 10; i++)
            results.Add(await PublishQos1(client, $"devices/{device.DeviceId}/telemetry", $$"""{"i":{{i}}}"""));
        Assert.Contains(results, r => r.IsSuccess);
        var limited = Assert.Single(results.Where(r => !r.IsSuccess).Select(r => r.ReasonCode).Distinct());
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, limited);
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.RateLimited);
        Assert.Contains("messages per second", rejected.Detail);
    }

    [Fact]
    public async Task Mqtt311_refusals_are_dropped_recorded_and_never_stored()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId, MqttProtocolVersion.V311).WithToken(device.DeviceId, device.Token).Build());
        await PublishQos1(client, "devices/someone-else/telemetry", """{"v":1}""");
        await PublishQos1(client, $"devices/{device.DeviceId}/telemetry", "not json");
        await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.NotAuthorized);
        await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.MalformedPayload);
        Assert.Empty(await Bridge.RecordsNowAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId));
    }

    [Fact]
    public async Task A_topic_with_invalid_utf8_is_refused()
    {
        var device = await Bridge.AddDeviceAsync();
        using var raw = await RawMqttClient.OpenAsync(Bridge.Endpoints.TcpPort!.Value);
        Assert.Equal(0, await raw.ConnectV5Async(device.DeviceId, device.DeviceId, device.Token));
        var topic = Encoding.UTF8.GetBytes($"devices/{device.DeviceId}/telemetry").Concat(new byte[] { 0xC3, 0x28 }).ToArray();
        var code = await raw.PublishQos1Async(topic, """{"v":1}"""u8.ToArray());
        Assert.Equal((byte)MqttPubAckReasonCode.TopicNameInvalid, code);
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.InvalidTopic);
        Assert.Contains("UTF-8", rejected.Detail);
    }

    [Fact]
    public async Task A_topic_with_a_nul_byte_is_not_authorized()
    {
        var device = await Bridge.AddDeviceAsync();
        using var raw = await RawMqttClient.OpenAsync(Bridge.Endpoints.TcpPort!.Value);
        Assert.Equal(0, await raw.ConnectV5Async(device.DeviceId, device.DeviceId, device.Token));
        var topic = Encoding.UTF8.GetBytes($"devices/{device.DeviceId}/telemetry\0");
        Assert.Equal((byte)MqttPubAckReasonCode.NotAuthorized, await raw.PublishQos1Async(topic, """{"v":1}"""u8.ToArray()));
        await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.NotAuthorized);
    }

    private Task<IMqttClient> Connect(DeviceRegistry.DeviceAdded device) =>
        DeviceClients.ConnectOrThrowAsync(DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());

    private static Task<MqttClientPublishResult> PublishQos1(IMqttClient client, string topic, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
}
