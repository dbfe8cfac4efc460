using System.Text;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.MqttBridge.IntegrationTests.Support;

namespace Pipeline.MqttBridge.IntegrationTests;

public sealed class IngestTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Telemetry_published_with_qos1_is_acknowledged_and_lands_in_kafka_with_its_fields(MqttProtocolVersion version)
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId, version).WithToken(device.DeviceId, device.Token).Build());

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry")
            .WithPayload("""{"ts":1764230400000,"seq":42,"temperature":21.5,"metrics":{"humidity":40}}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        Assert.True(result.IsSuccess, $"{result.ReasonCode} {result.ReasonString}");
        var (key, record) = (await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId))[0];
        Assert.Equal(device.DeviceId, key);
        Assert.Equal(1764230400000, record.DeviceTsMs);
        Assert.False(record.DeviceTsMissing);
        Assert.Equal(42UL, record.Seq);
        Assert.Equal(21.5, record.Metrics["temperature"]);
        Assert.Equal(40, record.Metrics["humidity"]);
        Assert.Equal($"devices/{device.DeviceId}/telemetry", record.Topic);
        Assert.StartsWith("test-bridge-", record.BridgeInstance);
        Assert.InRange(record.ReceivedTsMs, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Telemetry_without_ts_gets_the_receive_time_and_says_so()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        await PublishQos1(client, $"devices/{device.DeviceId}/telemetry", """{"v":1}""");
        var record = (await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId))[0].Value;
        Assert.True(record.DeviceTsMissing);
        Assert.Equal(record.ReceivedTsMs, record.DeviceTsMs);
        Assert.False(record.HasSeq);
    }

    [Fact]
    public async Task Protobuf_telemetry_is_read_when_the_content_type_says_so()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var telemetry = new Telemetry { TsMs = 1764230400123, Seq = 9 };
        telemetry.Metrics["pressure"] = 1013.25;
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry")
            .WithPayload(telemetry.ToByteArray())
            .WithContentType("application/x-protobuf")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.True(result.IsSuccess, result.ReasonString);
        var record = (await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId))[0].Value;
        Assert.Equal(1764230400123, record.DeviceTsMs);
        Assert.Equal(9UL, record.Seq);
        Assert.Equal(1013.25, record.Metrics["pressure"]);
    }

    [Fact]
    public async Task Events_are_stored_as_their_json_text()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        const string body = """{"type":"door_open","ts":"2025-11-27T08:00:00Z","by":{"badge":17}}""";
        await PublishQos1(client, $"devices/{device.DeviceId}/events", body);
        var (key, record) = (await Bridge.WaitForRecordsAsync<DeviceEvent>(Bridge.Topics.EventsRaw, r => r.DeviceId == device.DeviceId))[0];
        Assert.Equal(device.DeviceId, key);
        Assert.Equal(body, record.BodyJson);
        Assert.Equal(1764230400000, record.DeviceTsMs);
        Assert.Equal("device", record.Source);
        Assert.Equal($"devices/{device.DeviceId}/events", record.Topic);
    }

    [Fact]
    public async Task Qos0_telemetry_is_taken_best_effort()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload("""{"v":0}""").Build());
        await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId);
    }

    [Fact]
    public async Task Many_publishes_in_flight_on_one_connection_are_all_acknowledged_in_order_and_stored_once()
    {
        var device = await Bridge.AddDeviceAsync(attributes: new Dictionary<string, string> { ["rate_limit"] = "100000" });
        using var client = await Connect(device);
        var publishes = Enumerable.Range(0, 200).Select(i => client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry")
            .WithPayload($$"""{"seq":{{i}},"v":{{i}}}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build())).ToList();
        var results = await Task.WhenAll(publishes);
        Assert.All(results, r => Assert.True(r.IsSuccess, r.ReasonString));
        var records = await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId, count: 200);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (ulong)i), records.Select(r => r.Value.Seq));
    }

    [Fact]
    public async Task Qos2_publishes_complete_their_handshake_after_kafka_took_them()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload("""{"q2":1}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.ExactlyOnce).Build());
        Assert.True(result.IsSuccess, result.ReasonString);
        await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId);
    }

    [Fact]
    public async Task Topic_aliases_are_resolved()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var topic = $"devices/{device.DeviceId}/telemetry";
        var first = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithTopicAlias(3).WithPayload("""{"a":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var second = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopicAlias(3).WithPayload("""{"a":2}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(first.IsSuccess && second.IsSuccess, $"{first.ReasonString} {second.ReasonString}");
        var records = await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId, count: 2);
        Assert.All(records, r => Assert.Equal(topic, r.Value.Topic));
    }

    [Fact]
    public async Task A_device_that_only_publishes_is_not_dropped_by_the_keep_alive_check()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId)
            .WithToken(device.DeviceId, device.Token).WithKeepAlivePeriod(TimeSpan.FromSeconds(1)).Build());
        var disconnected = false;
        client.DisconnectedAsync += _ =>
        {
            disconnected = true;
            return Task.CompletedTask;
        };
        // Publishing keeps the client from sending PINGREQ; the bridge must count the publishes as activity.
        var until = DateTime.UtcNow.AddSeconds(4);
        var i = 0;
        while (DateTime.UtcNow < until && !disconnected)
        {
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload($$"""{"i":{{i++}}}""").Build());
            await Task.Delay(50);
        }
        Assert.False(disconnected);
        Assert.True(client.IsConnected);
    }

    private Task<IMqttClient> Connect(DeviceRegistry.DeviceAdded device) =>
        DeviceClients.ConnectOrThrowAsync(DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());

    private static async Task PublishQos1(IMqttClient client, string topic, string payload)
    {
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(result.IsSuccess, $"{result.ReasonCode} {result.ReasonString}");
    }
}
