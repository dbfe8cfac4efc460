using System.Net;
using MQTTnet;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// A bridge that cannot write to Kafka yet (here: its Schema Registry does not answer, so no schema id and no
/// producer) refuses devices instead of accepting what it could not acknowledge: CONNACK 0x88 "server unavailable"
/// over MQTT, 503 with the reason over HTTP, and /healthz says why.
/// </summary>
public sealed class NotReadyTests
{
    [Fact]
    public async Task A_bridge_without_kafka_refuses_connects_with_server_unavailable_and_says_why_on_healthz()
    {
        var deadRegistry = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var bridge = await TestBridge.StartAsync(
            new Dictionary<string, string> { ["Kafka:SchemaRegistryUrl"] = deadRegistry }, waitUntilHealthy: false);
        var device = await bridge.AddDeviceAsync();

        var (client, result, error) = await DeviceClients.ConnectAsync(
            DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        using var _ = client;

        Assert.Null(error);
        Assert.Equal(MqttClientConnectResultCode.ServerUnavailable, result!.ResultCode);
        Assert.Contains("Kafka", result.ReasonString, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
        var health = await bridge.HealthAsync();
        Assert.StartsWith(((int)HttpStatusCode.ServiceUnavailable).ToString(System.Globalization.CultureInfo.InvariantCulture), health, StringComparison.Ordinal);
    }
}
