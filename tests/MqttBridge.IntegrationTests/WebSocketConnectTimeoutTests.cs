using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using Pipeline.MqttBridge.IntegrationTests.Support;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// A WebSocket client has the same Limits:ConnectTimeout as a TCP client from its TCP connect to its CONNECT,
/// the HTTP upgrade included (here 2 s; Kestrel's own header timeout would otherwise keep a silent socket 30 s).
/// </summary>
public sealed class WebSocketConnectTimeoutTests : IAsyncLifetime
{
    private TestBridge _bridge = null!;

    public async Task InitializeAsync() =>
        _bridge = await TestBridge.StartAsync(new Dictionary<string, string> { ["Limits:ConnectTimeout"] = "00:00:02" });

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    [Fact]
    public async Task A_socket_that_never_sends_the_upgrade_is_closed()
    {
        using var raw = await RawMqttClient.OpenAsync(_bridge.Endpoints.WebSocketPort!.Value);
        Assert.True(await raw.ServerClosesAsync(), "the bridge closes a WebSocket port connection that sends nothing");
    }

    [Fact]
    public async Task An_upgraded_socket_that_never_sends_connect_is_closed_and_a_prompt_client_connects()
    {
        using var raw = await RawMqttClient.OpenAsync(_bridge.Endpoints.WebSocketPort!.Value);
        await raw.SendRawAsync(Encoding.ASCII.GetBytes(
            $"GET {_bridge.Endpoints.WebSocketPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"));
        Assert.True(await raw.ServerClosesAsync(), "the bridge closes an upgraded connection that sends no CONNECT");

        var device = await _bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(new MqttClientOptionsBuilder()
            .WithWebSocketServer(o => o.WithUri($"ws://127.0.0.1:{_bridge.Endpoints.WebSocketPort}{_bridge.Endpoints.WebSocketPath}"))
            .WithClientId(device.DeviceId).WithCredentials(device.DeviceId, device.Token).WithProtocolVersion(MqttProtocolVersion.V500).Build());
        Assert.True(client.IsConnected);
    }
}
