using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.IntegrationTests.Support;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// Hostile bytes on the TLS port (8883): a broken handshake, and random bytes or malformed MQTT
/// packets inside a good TLS session. Each such connection is closed; a device over TLS keeps being
/// served throughout. (The same on the plain TCP port: <see cref="RobustnessTests"/>.)
/// </summary>
public sealed class TlsHostileInputTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    public static TheoryData<string, byte[]> BrokenHandshakes()
    {
        var random = new Random(11);
        byte[] Random(int n)
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return bytes;
        }
        return new TheoryData<string, byte[]>
        {
            { "handshake record of random bytes", [0x16, 0x03, 0x01, 0x02, 0x00, .. Random(512)] },
            { "ClientHello cut short", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, .. Random(20)] },
            { "record announcing more than TLS allows", [0x16, 0x03, 0x03, 0xFF, 0xFF, .. Random(4096)] },
            { "alert record instead of a hello", [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28] },
            { "random bytes", Random(2048) },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenHandshakes))]
    public async Task A_tls_handshake_with_garbage_is_dropped_and_tls_devices_keep_being_served(string what, byte[] bytes)
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());

        using var raw = await RawMqttClient.OpenAsync(Bridge.Endpoints.TlsPort!.Value);
        try
        {
            await raw.SendRawAsync(bytes);
            raw.FinishSending();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Already closed by the bridge.
        }
        Assert.True(await raw.ServerClosesAsync(), $"{what}: the bridge closes the connection");

        Assert.True((await PublishAsync(client, device.DeviceId)).IsSuccess, $"{what}: a TLS device is still served");
        using var again = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        Assert.True(again.IsConnected, $"{what}: a new TLS connection is accepted");
    }

    [Fact]
    public async Task Random_bytes_and_malformed_packets_inside_tls_are_dropped_while_a_tls_device_keeps_working()
    {
        var device = await Bridge.AddDeviceAsync(attributes: new Dictionary<string, string> { ["rate_limit"] = "10000" });
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        var random = new Random(13);
        var garbage = new List<(string What, byte[] Bytes)>
        {
            ("CONNECT announcing 256 MB", [0x10, 0xFF, 0xFF, 0xFF, 0x7F]),
            ("PUBLISH before CONNECT", [0x30, 0x05, 0x00, 0x01, 0x61, 0x62, 0x63]),
            ("remaining length of 5 bytes", [0x10, 0x80, 0x80, 0x80, 0x80, 0x01]),
            ("CONNECT cut short", [0x10, 0x20, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05]),
            ("300 KiB CONNECT, sent in full", RobustnessTests.OversizedConnect()),
            ("CONNECT of an unknown protocol level", [0x10, 0x0A, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x09, 0x02, 0x00, 0x3C]),
        };
        for (var i = 0; i < 10; i++)
        {
            var bytes = new byte[random.Next(1, 8192)];
            random.NextBytes(bytes);
            garbage.Add(($"{bytes.Length} random bytes", bytes));
        }

        foreach (var (what, bytes) in garbage)
        {
            await using var tls = await OpenTlsAsync();
            try
            {
                await tls.WriteAsync(bytes);
                await tls.FlushAsync();
                await tls.ShutdownAsync(); // close_notify: a cut-short packet ends here instead of at the connect timeout
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // Already closed by the bridge.
            }
            Assert.True(await ServerClosesAsync(tls), $"{what}: the bridge closes the connection");
            Assert.True((await PublishAsync(client, device.DeviceId)).IsSuccess, $"{what}: the TLS device is still served");
        }
        Assert.True(client.IsConnected);
    }

    private async Task<SslStream> OpenTlsAsync()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Bridge.Endpoints.TlsPort!.Value);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(Bridge.Ca.Certificate);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", CertificateChainPolicy = policy });
        return tls;
    }

    private static async Task<bool> ServerClosesAsync(SslStream tls)
    {
        var buffer = new byte[1024];
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await tls.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string deviceId) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{deviceId}/telemetry")
            .WithPayload("""{"alive":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
}

/// <summary>
/// 1,000 CONNECTs with a wrong token from one address (127.0.0.2) against the default throttle
/// (Limits:FailedConnectsPerMinute = 30): after 30 refusals with 0x86 the address gets 0x9F or a
/// closed socket and costs no more hashing. Devices on another address (127.0.0.1) are unaffected:
/// one keeps publishing QoS 1 throughout and a new one connects and publishes in the middle of it.
/// </summary>
public sealed class FailedConnectStormTests : IAsyncLifetime
{
    private const int Attempts = 1_000;
    private const int AllowedPerMinute = 30; // the production default of Limits:FailedConnectsPerMinute
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");
    private TestBridge _bridge = null!;

    // TestBridge lifts the throttle for the other tests; here it is the production default.
    public async Task InitializeAsync() =>
        _bridge = await TestBridge.StartAsync(new Dictionary<string, string> { ["Limits:FailedConnectsPerMinute"] = AllowedPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    [Fact]
    public async Task A_thousand_failed_connects_from_one_address_are_throttled_while_other_devices_connect_and_publish()
    {
        var victim = await _bridge.AddDeviceAsync();
        var bystander = await _bridge.AddDeviceAsync(attributes: new Dictionary<string, string> { ["rate_limit"] = "10000" });
        var newcomer = await _bridge.AddDeviceAsync();
        using var publisher = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(_bridge.Endpoints, bystander.DeviceId).WithToken(bystander.DeviceId, bystander.Token).Build());

        using var stormOver = new CancellationTokenSource();
        long published = 0, publishFailures = 0;
        var publishing = Task.Run(async () =>
        {
            while (!stormOver.IsCancellationRequested)
            {
                var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{bystander.DeviceId}/telemetry")
                    .WithPayload("""{"t":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                Interlocked.Increment(ref result.IsSuccess ? ref published : ref publishFailures);
            }
        });

        int badCredentials = 0, throttled = 0, other = 0;
        var newcomerConnected = false;
        var started = DateTime.UtcNow;
        for (var i = 0; i < Attempts; i++)
        {
            if (i == Attempts / 2)
            {
                // Mid-storm, from another address: a device that was never connected before gets in and publishes.
                using var client = await DeviceClients.ConnectOrThrowAsync(
                    DeviceClients.Tcp(_bridge.Endpoints, newcomer.DeviceId).WithToken(newcomer.DeviceId, newcomer.Token).Build());
                var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{newcomer.DeviceId}/telemetry")
                    .WithPayload("""{"t":2}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                newcomerConnected = result.IsSuccess;
            }
            switch (await TryConnectAsync(victim.DeviceId, "guess-" + i))
            {
                case (byte)MqttConnectReasonCode.BadUserNameOrPassword: badCredentials++; break;
                case (byte)MqttConnectReasonCode.ConnectionRateExceeded or null: throttled++; break;
                default: other++; break;
            }
        }
        var minutes = (int)(DateTime.UtcNow - started).TotalMinutes;
        await stormOver.CancelAsync();
        await publishing;

        Assert.Equal(0, other);
        Assert.InRange(badCredentials, 1, AllowedPerMinute * (minutes + 1));
        Assert.Equal(Attempts - badCredentials, throttled);
        Assert.True(newcomerConnected, "a device on another address connected and published during the storm");
        Assert.True(Interlocked.Read(ref published) > 0, "the connected device published during the storm");
        Assert.Equal(0, Interlocked.Read(ref publishFailures));
        Assert.True(publisher.IsConnected);
        // The throttled address gets nowhere even with the right token; the victim itself is fine from elsewhere.
        Assert.NotEqual((byte?)0, await TryConnectAsync(victim.DeviceId, victim.Token));
        using var victimClient = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(_bridge.Endpoints, victim.DeviceId).WithToken(victim.DeviceId, victim.Token).Build());
        Assert.True(victimClient.IsConnected);
    }

    /// <summary>The CONNACK reason code, or null when the bridge closed the connection without one.</summary>
    private async Task<byte?> TryConnectAsync(string deviceId, string token)
    {
        try
        {
            using var raw = await RawMqttClient.OpenAsync(_bridge.Endpoints.TcpPort!.Value, Attacker);
            return await raw.ConnectV5Async(deviceId, deviceId, token);
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException)
        {
            return null;
        }
    }
}
