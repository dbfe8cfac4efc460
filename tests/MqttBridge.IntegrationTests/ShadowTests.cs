using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// The bridge's half of device shadows: requests from a device's shadow topics go to iot.shadow.requests,
/// the writer's answers from iot.shadow.responses reach the device's .../accepted, .../delta topics.
/// </summary>
public sealed class ShadowTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Theory]
    [InlineData("shadow/update", "", ShadowRequest.Types.Operation.Update)]
    [InlineData("shadow/name/config/get", "config", ShadowRequest.Types.Operation.Get)]
    [InlineData("shadow/name/cfg:2_x-y/delete", "cfg:2_x-y", ShadowRequest.Types.Operation.Delete)]
    public async Task A_device_request_is_acknowledged_after_it_reached_the_requests_topic(
        string suffix, string name, ShadowRequest.Types.Operation operation)
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        const string payload = """{"state":{"reported":{"color":"green"}},"clientToken":"t-1"}""";

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/{suffix}").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var (key, request) = Assert.Single(await Bridge.WaitForRecordsAsync<ShadowRequest>(Bridge.Topics.ShadowRequests, r => r.DeviceId == device.DeviceId));
        Assert.Equal(device.DeviceId, key);
        Assert.Equal(name, request.ShadowName);
        Assert.Equal(operation, request.Operation);
        Assert.Equal(payload, request.Payload.ToStringUtf8());
        Assert.Equal(ShadowRequest.Types.Source.Device, request.Source);
        Assert.False(string.IsNullOrEmpty(request.RequestId));
    }

    [Theory]
    [InlineData("shadow/update", "shadow/update/accepted")]
    [InlineData("shadow/get", "shadow/get/accepted")]
    [InlineData("shadow/delete", "shadow/update/delta")]
    [InlineData("shadow/name/config/update", "shadow/name/config/update/documents")]
    [InlineData("shadow/name/config/get", "shadow/#")]
    public async Task A_device_cannot_touch_another_devices_shadow(string request, string answers)
    {
        var device = await Bridge.AddDeviceAsync();
        var other = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{other.DeviceId}/{request}").WithPayload("""{"state":{"desired":{"a":1}}}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var subscription = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{other.DeviceId}/{answers}", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single(subscription.Items).ResultCode);
        Assert.Empty(await Bridge.RecordsNowAsync<ShadowRequest>(Bridge.Topics.ShadowRequests, r => r.DeviceId == other.DeviceId));
    }

    [Fact]
    public async Task The_writers_answers_reach_the_device_on_its_shadow_topics()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await Connect(device);
        var received = new List<MqttApplicationMessage>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
                received.Add(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{device.DeviceId}/shadow/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await SendResponseAsync(device.DeviceId, $"devices/{device.DeviceId}/shadow/update/delta", """{"state":{"color":"red"},"version":2}""");

        await Eventually.HoldsAsync(() => { lock (received) return received.Count > 0; }, TimeSpan.FromSeconds(30), "the device receives the delta");
        var message = received[0];
        Assert.Equal($"devices/{device.DeviceId}/shadow/update/delta", message.Topic);
        Assert.Equal("""{"state":{"color":"red"},"version":2}""", Encoding.UTF8.GetString(message.Payload));
    }

    [Fact]
    public async Task A_device_that_was_offline_gets_the_pending_delta_when_it_subscribes()
    {
        var device = await Bridge.AddDeviceAsync();
        const string document = """
            {"state":{"desired":{"color":"red","fan":1},"reported":{"color":"green","fan":1}},
             "metadata":{"desired":{"color":{"timestamp":100},"fan":{"timestamp":100}},"reported":{"color":{"timestamp":90},"fan":{"timestamp":90}}},
             "version":4,"timestamp":100}
            """;
        await ProduceAsync(Bridge.Topics.Shadows, $"{device.DeviceId}/config", new ShadowDocument
        {
            DeviceId = device.DeviceId, ShadowName = "config", Version = 4, DocumentJson = document, Timestamp = 100,
        });
        var view = Bridge.Services.GetRequiredService<Shadows.ShadowDocumentsView>();
        await Eventually.HoldsAsync(() => view.Of(device.DeviceId).Count == 1, TimeSpan.FromSeconds(30), "the bridge has read the document");
        using var client = await Connect(device);
        var received = new List<MqttApplicationMessage>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
                received.Add(e.ApplicationMessage);
            return Task.CompletedTask;
        };

        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{device.DeviceId}/shadow/name/config/update/delta", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await Eventually.HoldsAsync(() => { lock (received) return received.Count > 0; }, TimeSpan.FromSeconds(30), "the device receives its pending delta");
        var delta = System.Text.Json.Nodes.JsonNode.Parse(Encoding.UTF8.GetString(received[0].Payload))!;
        Assert.Equal($"devices/{device.DeviceId}/shadow/name/config/update/delta", received[0].Topic);
        Assert.Equal("""{"color":"red"}""", delta["state"]!.ToJsonString());
        Assert.Equal(4, delta["version"]!.GetValue<long>());
    }

    private Task<IMqttClient> Connect(DeviceRegistry.DeviceAdded device) =>
        DeviceClients.ConnectOrThrowAsync(DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());

    private Task SendResponseAsync(string deviceId, string topic, string payload) =>
        ProduceAsync(Bridge.Topics.ShadowResponses, deviceId, new ShadowResponse
        {
            DeviceId = deviceId, Topic = topic, Payload = ByteString.CopyFromUtf8(payload),
            RequestId = "r-1", CreatedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });

    private async Task ProduceAsync<T>(string topic, string key, T value) where T : class, IMessage<T>, new()
    {
        using var registry = SchemaRegistryFixture.Shared.CreateClient();
        var schemaId = await new ProtobufSerializer<T>(registry).SchemaIdForAsync(topic);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Bridge.BootstrapServers }).Build();
        await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = ProtobufSerializer<T>.Encode(value, schemaId) });
    }
}
