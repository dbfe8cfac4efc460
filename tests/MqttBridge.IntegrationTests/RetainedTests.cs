using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// Retained messages of devices' commands topics come from the compacted iot.retained: a subscribing device gets them
/// with the RETAIN flag, a tombstone clears them, a restarted bridge still has them; devices cannot set retains.
/// </summary>
public sealed class RetainedTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task A_subscribing_device_gets_the_retained_message_with_the_retain_flag_until_it_is_cleared()
    {
        var device = await Bridge.AddDeviceAsync();
        var topic = $"devices/{device.DeviceId}/commands";
        await WriteRetainedAsync(Bridge, topic, """{"config":{"interval":30}}""");

        await Eventually.HoldsAsync(() => Task.FromResult(RetainedNow(Bridge, topic)), m => m is not null, TimeSpan.FromSeconds(30), "the bridge has it");

        var first = await FirstMessageOnSubscribeAsync(Bridge, device);
        Assert.True(first.Retain, "delivered with the RETAIN flag, as a broker hands out a retained message");
        Assert.Equal("""{"config":{"interval":30}}""", Encoding.UTF8.GetString(first.Payload));

        await WriteRetainedAsync(Bridge, topic, null);
        await Eventually.HoldsAsync(() => Task.FromResult(RetainedNow(Bridge, topic)), m => m is null, TimeSpan.FromSeconds(30), "the tombstone clears it");
    }

    [Fact]
    public async Task Retained_messages_survive_a_bridge_restart()
    {
        var device = await Bridge.AddDeviceAsync();
        var topic = $"devices/{device.DeviceId}/commands";
        await WriteRetainedAsync(Bridge, topic, """{"firmware":"2.1"}""");
        await Eventually.HoldsAsync(() => Task.FromResult(RetainedNow(Bridge, topic)), m => m is not null, TimeSpan.FromSeconds(30), "the first bridge has it");

        // A second instance on the same topics, started afresh, builds the same store from Kafka.
        await using var second = await TestBridge.StartAsync(new Dictionary<string, string>
        {
            ["Topics:Devices"] = Bridge.Topics.Devices,
            ["Topics:Retained"] = Bridge.Topics.Retained,
        });
        var message = await Eventually.HoldsAsync(() => Task.FromResult(RetainedNow(second, topic)), m => m is not null,
            TimeSpan.FromSeconds(30), "the new instance has the retained message");
        Assert.Equal("""{"firmware":"2.1"}""", Encoding.UTF8.GetString(message!.Payload));
    }

    [Fact]
    public async Task A_device_publish_with_the_retain_flag_is_refused_with_0x9A_and_recorded()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = new MqttClientFactory().CreateMqttClient();
        var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e => { disconnected.TrySetResult(e); return Task.CompletedTask; };
        var connect = await client.ConnectAsync(DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        Assert.False(connect.RetainAvailable, "CONNACK says Retain Available = 0");

        _ = client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{device.DeviceId}/telemetry")
            .WithPayload("""{"t":1}""").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var e = await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(MqttClientDisconnectReason.RetainNotSupported, e.Reason);
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, RejectedMessage.Types.Reason.RetainNotSupported);
        Assert.Equal($"devices/{device.DeviceId}/telemetry", rejected.Topic);
    }

    private static MqttApplicationMessage? RetainedNow(TestBridge bridge, string topic) =>
        ((Hosting.BridgeServer)bridge.Services.GetService(typeof(Hosting.BridgeServer))!).Server.GetRetainedMessageAsync(topic).GetAwaiter().GetResult();

    /// <summary>The first message a fresh subscription of the device's commands topic brings.</summary>
    private static async Task<MqttApplicationMessage> FirstMessageOnSubscribeAsync(TestBridge bridge, Pipeline.DeviceRegistry.DeviceAdded device)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e => { received.TrySetResult(e.ApplicationMessage); return Task.CompletedTask; };
        await client.ConnectAsync(DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).WithCleanStart().Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await client.DisconnectAsync();
        return message;
    }

    private static async Task WriteRetainedAsync(TestBridge bridge, string topic, string? payload)
    {
        byte[]? value = null;
        if (payload is not null)
        {
            using var registry = SchemaRegistryFixture.Shared.CreateClient();
            var schemaId = await new ProtobufSerializer<DeviceCommand>(registry).SchemaIdForAsync(bridge.Topics.Retained);
            value = ProtobufSerializer<DeviceCommand>.Encode(new DeviceCommand
            {
                CommandId = Guid.NewGuid().ToString("N"),
                Payload = ByteString.CopyFromUtf8(payload),
                ContentType = "application/json",
                CreatedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            }, schemaId);
        }
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bridge.BootstrapServers }).Build();
        await producer.ProduceAsync(bridge.Topics.Retained, new Message<string, byte[]> { Key = topic, Value = value! });
    }
}
