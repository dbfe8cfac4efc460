using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// Persistent sessions end: an MQTT 5 device's Session Expiry Interval is honoured up to
/// Limits:MaxSessionExpiry (5 min here), an MQTT 3.1.1 clean-session=false session lasts
/// Limits:DefaultSessionExpiry (2 s here). A session past its expiry is gone: what was queued in it
/// is never delivered and the next CONNECT gets session present = false.
/// </summary>
public sealed class SessionExpiryTests : IAsyncLifetime
{
    private TestBridge _bridge = null!;

    public async Task InitializeAsync() =>
        _bridge = await TestBridge.StartAsync(new Dictionary<string, string>
        {
            ["Limits:MaxSessionExpiry"] = "00:05:00",
            ["Limits:DefaultSessionExpiry"] = "00:00:02",
        });

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    [Fact]
    public async Task An_mqtt5_session_past_its_expiry_interval_is_gone_with_the_commands_queued_in_it()
    {
        var device = await _bridge.AddDeviceAsync();
        var options = Persistent(device.DeviceId, device.Token, sessionExpirySeconds: 1);
        var (first, connack) = await ConnectAsync(options);
        Assert.False(connack.IsSessionPresent);
        await SubscribeToCommandsAsync(first, device.DeviceId);
        await first.DisconnectAsync();
        first.Dispose();

        // Queued in the session while it lives (recorded as sent, not offline) ...
        var queued = Guid.NewGuid().ToString("N");
        await SendCommandAsync(device.DeviceId, queued);
        await WaitForOutcomeAsync(device.DeviceId, queued, o => o is "sent" or "offline");
        // ... then the session expires (1 s after the disconnect) and the bridge deletes it.
        await Eventually.HoldsAsync(async () => !await HasSessionAsync(device.DeviceId), gone => gone, TimeSpan.FromSeconds(30),
            "the expired session is deleted");

        var received = new List<string>();
        var (second, again) = await ConnectAsync(options, received);
        using (second)
        {
            Assert.False(again.IsSessionPresent, "an expired session is not resumed");
            await SubscribeToCommandsAsync(second, device.DeviceId);
            var fresh = Guid.NewGuid().ToString("N");
            await SendCommandAsync(device.DeviceId, fresh);
            await Eventually.HoldsAsync(() => { lock (received) return received.Contains(fresh); }, TimeSpan.FromSeconds(30), "a new command arrives");
            // A command left in the session would have been sent right after CONNACK, before this one.
            lock (received)
                Assert.Equal(new[] { fresh }, received);
        }
    }

    [Fact]
    public async Task A_longer_interval_than_the_maximum_is_cut_and_said_in_connack_and_the_session_lives_that_long()
    {
        var device = await _bridge.AddDeviceAsync();
        var options = Persistent(device.DeviceId, device.Token, sessionExpirySeconds: uint.MaxValue); // "never expires"
        var (first, connack) = await ConnectAsync(options);
        Assert.Equal(300u, connack.SessionExpiryInterval);
        await SubscribeToCommandsAsync(first, device.DeviceId);
        await first.DisconnectAsync();
        first.Dispose();

        var queued = Guid.NewGuid().ToString("N");
        await SendCommandAsync(device.DeviceId, queued);
        await WaitForOutcomeAsync(device.DeviceId, queued, o => o == "sent");

        var received = new List<string>();
        var (second, again) = await ConnectAsync(options, received);
        using (second)
        {
            Assert.True(again.IsSessionPresent, "the session is within its (capped) expiry");
            await Eventually.HoldsAsync(() => { lock (received) return received.Contains(queued); }, TimeSpan.FromSeconds(30),
                "the command queued in the session is delivered on reconnect");
            await WaitForOutcomeAsync(device.DeviceId, queued, o => o == "delivered");
        }
    }

    [Fact]
    public async Task An_mqtt311_persistent_session_lasts_the_configured_default()
    {
        var device = await _bridge.AddDeviceAsync();
        var options = DeviceClients.Tcp(_bridge.Endpoints, device.DeviceId, MqttProtocolVersion.V311)
            .WithToken(device.DeviceId, device.Token).WithCleanSession(false).Build();
        var (first, connack) = await ConnectAsync(options);
        Assert.False(connack.IsSessionPresent);
        await SubscribeToCommandsAsync(first, device.DeviceId);
        await first.DisconnectAsync();
        first.Dispose();

        Assert.True(await HasSessionAsync(device.DeviceId)); // kept after the disconnect (clean session = false) ...
        await Eventually.HoldsAsync(async () => !await HasSessionAsync(device.DeviceId), gone => gone, TimeSpan.FromSeconds(30),
            "... and deleted once Limits:DefaultSessionExpiry has passed");
        var (second, again) = await ConnectAsync(options);
        using (second)
            Assert.False(again.IsSessionPresent);
        using var http = new HttpClient();
        Assert.Matches(@"mqtt_bridge_sessions_expired_total [1-9]", await http.GetStringAsync($"{_bridge.HttpUrl}/metrics"));
    }

    private async Task<bool> HasSessionAsync(string deviceId)
    {
        try
        {
            return await _bridge.Services.GetRequiredService<BridgeServer>().Server.GetSessionAsync(deviceId) is not null;
        }
        catch (InvalidOperationException)
        {
            return false; // MQTTnet 5.2: "Session with ID ... not found"
        }
    }

    private MqttClientOptions Persistent(string deviceId, string token, uint sessionExpirySeconds) =>
        DeviceClients.Tcp(_bridge.Endpoints, deviceId).WithToken(deviceId, token)
            .WithCleanStart(false).WithSessionExpiryInterval(sessionExpirySeconds).Build();

    private static async Task<(IMqttClient Client, MqttClientConnectResult Result)> ConnectAsync(MqttClientOptions options, List<string>? received = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        if (received is not null)
        {
            client.ApplicationMessageReceivedAsync += e =>
            {
                var commandId = e.ApplicationMessage.UserProperties?.FirstOrDefault(p => p.Name == "command_id") is { } property
                    ? Encoding.UTF8.GetString(property.ValueBuffer.Span) : null;
                lock (received)
                    received.Add(commandId ?? Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
                return Task.CompletedTask;
            };
        }
        var result = await client.ConnectAsync(options);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return (client, result);
    }

    private static Task SubscribeToCommandsAsync(IMqttClient client, string deviceId) =>
        client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{deviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private async Task SendCommandAsync(string deviceId, string commandId)
    {
        using var registry = SchemaRegistryFixture.Shared.CreateClient();
        var serializer = new ProtobufSerializer<DeviceCommand>(registry);
        var schemaId = await serializer.SchemaIdForAsync(_bridge.Topics.Commands);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _bridge.BootstrapServers }).Build();
        await producer.ProduceAsync(_bridge.Topics.Commands, new Message<string, byte[]>
        {
            Key = deviceId,
            Value = ProtobufSerializer<DeviceCommand>.Encode(new DeviceCommand
            {
                CommandId = commandId,
                DeviceId = deviceId,
                Payload = ByteString.CopyFromUtf8(commandId),
                CreatedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            }, schemaId),
        });
    }

    private Task WaitForOutcomeAsync(string deviceId, string commandId, Func<string?, bool> outcome) =>
        _bridge.WaitForRecordsAsync<DeviceEvent>(_bridge.Topics.EventsRaw, e =>
        {
            if (e.DeviceId != deviceId || e.Source != "bridge.commands")
                return false;
            using var body = JsonDocument.Parse(e.BodyJson);
            return body.RootElement.GetProperty("commandId").GetString() == commandId
                && outcome(body.RootElement.GetProperty("outcome").GetString());
        }, timeout: TimeSpan.FromSeconds(45));
}
