using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;

namespace Pipeline.MqttBridge.IntegrationTests;

public sealed class RobustnessTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task Random_bytes_and_malformed_packets_are_dropped_while_another_device_keeps_working()
    {
        var device = await Bridge.AddDeviceAsync(attributes: new Dictionary<string, string> { ["rate_limit"] = "10000" });
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        var random = new Random(7);
        var garbage = new List<byte[]>
        {
            new byte[] { 0x10, 0xFF, 0xFF, 0xFF, 0x7F },                       // CONNECT announcing 256 MB
            new byte[] { 0x30, 0x05, 0x00, 0x01, 0x61, 0x62, 0x63 },           // PUBLISH before CONNECT
            new byte[] { 0x10, 0x80, 0x80, 0x80, 0x80, 0x01 },                 // remaining length of 5 bytes
            new byte[] { 0x10, 0x0A, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x09, 0x02, 0x00, 0x3C }, // CONNECT, unknown protocol level
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(),
            new byte[] { 0x10, 0x20, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05 }, // CONNECT cut short (32 bytes announced, 7 sent)
            OversizedConnect(),                                              // 300 KiB CONNECT, sent in full
        };
        for (var i = 0; i < 20; i++)
        {
            var bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
            garbage.Add(bytes);
        }

        foreach (var bytes in garbage)
        {
            using var raw = await RawMqttClient.OpenAsync(Bridge.Endpoints.TcpPort!.Value);
            try
            {
                await raw.SendRawAsync(bytes);
                raw.FinishSending(); // a partial packet would otherwise wait for the CONNECT timeout
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // The bridge may already have closed the connection: that is the point.
            }
            Assert.True(await raw.ServerClosesAsync(), "the bridge closes a connection that sent garbage");
            var publish = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload("""{"alive":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.True(publish.IsSuccess);
        }
        Assert.True(client.IsConnected);
    }

    /// <summary>A CONNECT whose remaining length (300 KiB) is over the bridge's packet limit, followed by all of its bytes.</summary>
    internal static byte[] OversizedConnect()
    {
        const int length = 300 * 1024;
        var packet = new byte[1 + 3 + length];
        packet[0] = 0x10;
        packet[1] = (byte)(length % 128 | 0x80);
        packet[2] = (byte)(length / 128 % 128 | 0x80);
        packet[3] = (byte)(length / 128 / 128);
        new Random(3).NextBytes(packet.AsSpan(4));
        return packet;
    }

    [Fact]
    public async Task Garbage_after_a_good_connect_closes_only_that_connection()
    {
        var device = await Bridge.AddDeviceAsync();
        using var raw = await RawMqttClient.OpenAsync(Bridge.Endpoints.TcpPort!.Value);
        Assert.Equal(0, await raw.ConnectV5Async(device.DeviceId, device.DeviceId, device.Token));
        await raw.SendRawAsync([0x30, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);
        Assert.True(await raw.ServerClosesAsync());
        using var again = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        Assert.True(again.IsConnected);
    }

    [Fact]
    public async Task A_plain_tcp_client_on_the_tls_port_is_dropped()
    {
        using var raw = await RawMqttClient.OpenAsync(Bridge.Endpoints.TlsPort!.Value);
        await raw.SendRawAsync("not a TLS client hello at all"u8.ToArray());
        Assert.True(await raw.ServerClosesAsync());
    }

    [Fact]
    public async Task Health_and_metrics_endpoints_report_the_bridge()
    {
        Assert.StartsWith("200", await Bridge.HealthAsync());
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"{Bridge.HttpUrl}/metrics");
        foreach (var name in new[] { "mqtt_bridge_connections", "mqtt_bridge_connects_refused_total", "mqtt_bridge_messages_in_total",
                     "mqtt_bridge_puback_latency_seconds", "mqtt_bridge_rejects_total", "mqtt_bridge_buffer_bytes" })
            Assert.Contains(name, metrics);
    }
}

public sealed class ConnectThrottleTests : IAsyncLifetime
{
    private TestBridge _bridge = null!;

    public async Task InitializeAsync() =>
        _bridge = await TestBridge.StartAsync(new Dictionary<string, string> { ["Limits:FailedConnectsPerMinute"] = "3" });

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    [Fact]
    public async Task After_too_many_refused_connects_an_address_is_refused_even_with_good_credentials()
    {
        var device = await _bridge.AddDeviceAsync();
        for (var i = 0; i < 3; i++)
        {
            var (bad, result, _) = await DeviceClients.ConnectAsync(
                DeviceClients.Tcp(_bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, "guess-" + i).Build());
            using (bad)
                Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result!.ResultCode);
        }
        var (client, good, error) = await DeviceClients.ConnectAsync(
            DeviceClients.Tcp(_bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        using (client)
        {
            Assert.False(client.IsConnected);
            Assert.True(error is not null || good!.ResultCode != MqttClientConnectResultCode.Success);
        }
    }

    [Fact]
    public async Task A_device_with_its_fleet_certificate_is_not_locked_out_by_other_clients_failures_from_its_address()
    {
        // Carrier NAT: a stranger behind the same address guesses tokens until the address is throttled.
        var stranger = await _bridge.AddDeviceAsync();
        for (var i = 0; i < 3; i++)
        {
            var (bad, _, _) = await DeviceClients.ConnectAsync(
                DeviceClients.Tcp(_bridge.Endpoints, stranger.DeviceId).WithToken(stranger.DeviceId, "guess-" + i).Build());
            bad?.Dispose();
        }
        var refused = await ExternalProcess.RunAsync("/usr/bin/mosquitto_pub", [
            "-h", "127.0.0.1", "-p", _bridge.Endpoints.TcpPort!.Value.ToString(), "-V", "5",
            "-i", stranger.DeviceId, "-u", stranger.DeviceId, "-P", stranger.Token, "-t", $"devices/{stranger.DeviceId}/events", "-q", "1", "-m", "{}",
        ], TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, refused.ExitCode);

        // A device that proves itself with its client certificate still gets in, with mosquitto_pub over TLS.
        var device = await _bridge.AddDeviceAsync(certificate: true);
        var dir = Directory.CreateTempSubdirectory("bridge-throttle-tls-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "ca.crt"), device.CaCertificatePem);
            await File.WriteAllTextAsync(Path.Combine(dir, "device.crt"), device.Certificate!.CertificatePem);
            await File.WriteAllTextAsync(Path.Combine(dir, "device.key"), device.Certificate.PrivateKeyPem);
            var result = await ExternalProcess.RunAsync("/usr/bin/mosquitto_pub", [
                "-h", "localhost", "-p", _bridge.Endpoints.TlsPort!.Value.ToString(), "-V", "5",
                "--cafile", Path.Combine(dir, "ca.crt"), "--cert", Path.Combine(dir, "device.crt"), "--key", Path.Combine(dir, "device.key"),
                "-i", device.DeviceId, "-t", $"devices/{device.DeviceId}/events", "-q", "1", "-m", """{"behind":"nat"}""",
            ], TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
