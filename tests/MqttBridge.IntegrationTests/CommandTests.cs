using System.Text;
using System.Text.Json;
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

public sealed class CommandTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task A_command_reaches_the_connected_device_and_its_delivery_is_recorded()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        var received = new List<MqttApplicationMessage>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
                received.Add(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var commandId = Guid.NewGuid().ToString("N");
        await SendCommandAsync(new DeviceCommand
        {
            CommandId = commandId,
            DeviceId = device.DeviceId,
            Payload = ByteString.CopyFromUtf8("""{"reboot":true}"""),
            ContentType = "application/json",
            CreatedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });

        await Eventually.HoldsAsync(() => { lock (received) return received.Count > 0; }, TimeSpan.FromSeconds(30), "the device receives the command");
        var message = received[0];
        Assert.Equal($"devices/{device.DeviceId}/commands", message.Topic);
        Assert.Equal("""{"reboot":true}""", Encoding.UTF8.GetString(message.Payload));
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        await WaitForOutcomeAsync(device.DeviceId, commandId, "delivered");
    }

    [Fact]
    public async Task A_command_for_a_device_that_is_not_connected_is_recorded_as_offline()
    {
        var device = await Bridge.AddDeviceAsync();
        var commandId = Guid.NewGuid().ToString("N");
        await SendCommandAsync(new DeviceCommand { CommandId = commandId, DeviceId = device.DeviceId, Payload = ByteString.CopyFromUtf8("x") });
        await WaitForOutcomeAsync(device.DeviceId, commandId, "offline");
    }

    [Fact]
    public async Task An_expired_command_is_not_delivered_and_recorded_as_expired()
    {
        var device = await Bridge.AddDeviceAsync();
        var commandId = Guid.NewGuid().ToString("N");
        await SendCommandAsync(new DeviceCommand
        {
            CommandId = commandId,
            DeviceId = device.DeviceId,
            Payload = ByteString.CopyFromUtf8("x"),
            ExpiresTsMs = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(),
        });
        await WaitForOutcomeAsync(device.DeviceId, commandId, "expired");
    }

    [Fact]
    public async Task A_command_without_its_own_expiry_expires_after_the_default_expiry()
    {
        var device = await Bridge.AddDeviceAsync();
        var commandId = Guid.NewGuid().ToString("N");
        // Created 11 minutes ago, no expiry of its own: Commands:DefaultExpiry (10 min) has passed.
        await SendCommandAsync(new DeviceCommand
        {
            CommandId = commandId,
            DeviceId = device.DeviceId,
            Payload = ByteString.CopyFromUtf8("{}"),
            CreatedTsMs = DateTimeOffset.UtcNow.AddMinutes(-11).ToUnixTimeMilliseconds(),
        });
        await WaitForOutcomeAsync(device.DeviceId, commandId, "expired");
    }

    [Fact]
    public async Task A_command_is_delivered_at_the_qos_it_asks_for()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e => { received.TrySetResult(e.ApplicationMessage); return Task.CompletedTask; };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var commandId = Guid.NewGuid().ToString("N");
        await SendCommandAsync(new DeviceCommand
        {
            CommandId = commandId, DeviceId = device.DeviceId, Payload = ByteString.CopyFromUtf8("{}"), Qos = 0,
            CreatedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, message.QualityOfServiceLevel);
        await WaitForOutcomeAsync(device.DeviceId, commandId, "sent");
    }

    [Fact]
    public async Task Mosquitto_sub_receives_a_command()
    {
        var device = await Bridge.AddDeviceAsync();
        using var sub = ExternalProcess.Start("/usr/bin/mosquitto_sub", [
            "-h", "127.0.0.1", "-p", Bridge.Endpoints.TcpPort!.Value.ToString(), "-V", "5", "-q", "1",
            "-i", device.DeviceId, "-u", device.DeviceId, "-P", device.Token, "-t", $"devices/{device.DeviceId}/commands", "-C", "1",
        ]);
        try
        {
            // The subscription exists once the bridge knows the device is connected.
            var connected = Bridge.Services.GetService(typeof(Connections.ConnectedDevices)) as Connections.ConnectedDevices;
            await Eventually.HoldsAsync(() => connected!.TryGet(device.DeviceId, out _), TimeSpan.FromSeconds(10), "mosquitto_sub connected");
            var commandId = Guid.NewGuid().ToString("N");
            var output = sub.StandardOutput.ReadLineAsync();
            // Resend until the subscription is in place (connect and subscribe are two steps for the client).
            await Eventually.HoldsAsync(async () =>
            {
                if (!output.IsCompleted)
                    await SendCommandAsync(new DeviceCommand { CommandId = commandId, DeviceId = device.DeviceId, Payload = ByteString.CopyFromUtf8("hello-device") });
                await Task.WhenAny(output, Task.Delay(500));
                return output.IsCompleted;
            }, done => done, TimeSpan.FromSeconds(30), "mosquitto_sub prints the command");
            Assert.Equal("hello-device", await output);
        }
        finally
        {
            if (!sub.HasExited)
                sub.Kill();
        }
    }

    private async Task SendCommandAsync(DeviceCommand command)
    {
        using var registry = SchemaRegistryFixture.Shared.CreateClient();
        var serializer = new ProtobufSerializer<DeviceCommand>(registry);
        var schemaId = await serializer.SchemaIdForAsync(Bridge.Topics.Commands);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Bridge.BootstrapServers }).Build();
        await producer.ProduceAsync(Bridge.Topics.Commands, new Message<string, byte[]>
        {
            Key = command.DeviceId,
            Value = ProtobufSerializer<DeviceCommand>.Encode(command, schemaId),
        });
    }

    private Task WaitForOutcomeAsync(string deviceId, string commandId, string outcome) =>
        Bridge.WaitForRecordsAsync<DeviceEvent>(Bridge.Topics.EventsRaw, e =>
        {
            if (e.DeviceId != deviceId || e.Source != "bridge.commands")
                return false;
            using var body = JsonDocument.Parse(e.BodyJson);
            return body.RootElement.GetProperty("commandId").GetString() == commandId
                && body.RootElement.GetProperty("outcome").GetString() == outcome;
        }, timeout: TimeSpan.FromSeconds(45));
}
