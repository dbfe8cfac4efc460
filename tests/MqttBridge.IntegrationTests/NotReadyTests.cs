using System.Net;
using MQTTnet;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// A bridge that cannot write to Kafka yet (here: its Schema Registry does not answer, so no schema id and no
/// producer) refuses devices instead of accepting what it could not acknowledge: CONNACK 0x88 "server unavailable"
/// over MQTT, 503 with the reason over HTTP, and /healthz says why; those refusals do not count against the address.
/// </summary>
public sealed class NotReadyTests
{
    [Fact]
    public async Task A_bridge_without_kafka_refuses_connects_with_server_unavailable_without_throttling_and_says_why_on_healthz()
    {
        var deadRegistry = $"http://127.0.0.1:{FreePorts.Next()}";
        // A throttle of 2 refused connects a minute: the bridge's own unavailability must not count against the
        // address, or a fleet reconnecting to a restarting bridge would lock out its shared address by being early.
        await using var bridge = await TestBridge.StartAsync(new Dictionary<string, string>
        {
            ["Kafka:SchemaRegistryUrl"] = deadRegistry,
            ["Limits:FailedConnectsPerMinute"] = "2",
        }, waitUntilHealthy: false);
        var device = await bridge.AddDeviceAsync();

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var (client, result, error) = await DeviceClients.ConnectAsync(
                DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
            using var _ = client;

            Assert.True(error is null, $"attempt {attempt}: {error}");
            Assert.Equal(MqttClientConnectResultCode.ServerUnavailable, result!.ResultCode);
            Assert.Contains("Kafka", result.ReasonString, StringComparison.Ordinal);
            Assert.False(client.IsConnected);
        }
        var health = await bridge.HealthAsync();
        Assert.StartsWith(((int)HttpStatusCode.ServiceUnavailable).ToString(System.Globalization.CultureInfo.InvariantCulture), health, StringComparison.Ordinal);
    }
}
