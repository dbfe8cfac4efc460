using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.IntegrationTests.Support;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// A device that reconnects the moment its previous connection ended keeps the new connection. MQTTnet 5.2 cleans up
/// an ended connection by client id, so a new connection made while that clean-up runs was closed with it (the
/// simulator's readiness probe, and the console's, lost the device's real connection this way in CI).
/// </summary>
public sealed class ReconnectTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task Devices_reconnecting_right_after_a_clean_disconnect_keep_their_new_connections()
    {
        var lost = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ReconnectRoundsAsync()));
        var all = lost.SelectMany(l => l).ToList();
        Assert.True(all.Count == 0, $"{all.Count} of 800 reconnects lost their connection: {string.Join("; ", all.Take(5))}");
    }

    private async Task<List<string>> ReconnectRoundsAsync()
    {
        var device = await Bridge.AddDeviceAsync(attributes: new Dictionary<string, string> { ["rate_limit"] = "10000" });
        var options = DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).WithCleanStart().Build();
        var lost = new List<string>();
        for (var round = 0; round < 100; round++)
        {
            using (var previous = await DeviceClients.ConnectOrThrowAsync(options))
                await previous.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            using var next = await DeviceClients.ConnectOrThrowAsync(options);
            MqttClientDisconnectReason? closedBy = null;
            next.DisconnectedAsync += e => { closedBy = e.Reason; return Task.CompletedTask; };
            try
            {
                var ack = await next.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{device.DeviceId}/telemetry")
                    .WithPayload($$"""{"seq":{{round + 1}},"t":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                if (!ack.IsSuccess)
                    lost.Add($"{device.DeviceId} round {round}: PUBACK {ack.ReasonCode}");
            }
            catch (Exception e)
            {
                lost.Add($"{device.DeviceId} round {round}: {e.GetType().Name} {closedBy}");
            }
            if (next.IsConnected)
                await next.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }
        return lost;
    }
}
