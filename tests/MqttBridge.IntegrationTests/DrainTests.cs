using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;

namespace Pipeline.MqttBridge.IntegrationTests;

public sealed class DrainTests
{
    [Fact]
    public async Task Stopping_the_bridge_acknowledges_what_it_took_and_disconnects_devices_with_server_shutting_down()
    {
        var bridge = await TestBridge.StartAsync();
        var device = await bridge.AddDeviceAsync(attributes: new Dictionary<string, string> { ["rate_limit"] = "100000" });
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        MqttClientDisconnectedEventArgs? disconnected = null;
        client.DisconnectedAsync += e =>
        {
            disconnected = e;
            return Task.CompletedTask;
        };
        var publishes = Enumerable.Range(0, 50).Select(i => client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload($$"""{"seq":{{i}},"v":1}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build())).ToList();
        await Task.WhenAll(publishes);

        var topics = bridge.Topics;
        var bootstrap = bridge.BootstrapServers;
        await bridge.DisposeAsync();

        await Eventually.HoldsAsync(() => disconnected is not null, TimeSpan.FromSeconds(20), "the device is disconnected");
        Assert.Equal(MqttClientDisconnectReason.ServerShuttingDown, disconnected!.Reason);
        Assert.All(publishes, p => Assert.True(p.Result.IsSuccess));
        var stored = await KafkaRecords.ReadAllNowAsync<TelemetryRecord>(bootstrap, topics.TelemetryRaw, r => r.DeviceId == device.DeviceId);
        Assert.Equal(50, stored.Select(r => r.Value.Seq).Distinct().Count());
        Assert.Empty(bridge.LoggedErrors);
    }
}
