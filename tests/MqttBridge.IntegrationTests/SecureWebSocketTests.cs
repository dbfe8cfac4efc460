using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.IntegrationTests.Support;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// MQTT over secure WebSocket (Listeners:WebSocketTlsPort): a browser or a device behind a proxy that only lets
/// HTTPS through reaches the bridge with TLS end to end, with its token or its fleet client certificate.
/// </summary>
public sealed class SecureWebSocketTests : IAsyncLifetime
{
    private TestBridge _bridge = null!;

    public async Task InitializeAsync() =>
        _bridge = await TestBridge.StartAsync(new Dictionary<string, string> { ["Listeners:WebSocketTlsPort"] = "0" });

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    [Fact]
    public async Task A_device_with_its_token_publishes_over_wss_and_the_record_reaches_kafka()
    {
        var device = await _bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(Wss(device.DeviceId).WithCredentials(device.DeviceId, device.Token).Build());

        var result = await client.PublishAsync(Reading(device.DeviceId));

        Assert.True(result.IsSuccess, result.ReasonString);
        await _bridge.WaitForRecordsAsync<TelemetryRecord>(_bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId && r.Metrics.ContainsKey("wss"));
    }

    [Fact]
    public async Task A_fleet_client_certificate_alone_identifies_the_device_over_wss()
    {
        var device = await _bridge.AddDeviceAsync(certificate: true);
        using var certificate = DeviceClients.Certificate(device.Certificate!);
        using var client = await DeviceClients.ConnectOrThrowAsync(Wss(device.DeviceId, certificate).Build());

        var result = await client.PublishAsync(Reading(device.DeviceId));

        Assert.True(result.IsSuccess, result.ReasonString);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused_before_the_websocket_opens()
    {
        var device = await _bridge.AddDeviceAsync();
        using var otherCa = FleetCertificateAuthority.CreateEphemeral();
        using var foreign = DeviceClients.Certificate(otherCa.IssueDeviceCertificate(device.DeviceId));

        // Even with the right token: a certificate that is presented must be the fleet's.
        var (client, result, error) = await DeviceClients.ConnectAsync(Wss(device.DeviceId, foreign).WithCredentials(device.DeviceId, device.Token).Build());
        using var _ = client;

        Assert.False(client.IsConnected);
        Assert.True(error is not null || result!.ResultCode != MqttClientConnectResultCode.Success);
        Assert.Contains("403", error?.ToString() ?? "", StringComparison.Ordinal);
    }

    private MqttClientOptionsBuilder Wss(string deviceId, X509Certificate2? certificate = null) =>
        new MqttClientOptionsBuilder()
            .WithWebSocketServer(o => o.WithUri($"wss://localhost:{_bridge.Endpoints.WebSocketTlsPort}{_bridge.Endpoints.WebSocketPath}"))
            .WithClientId(deviceId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(tls =>
            {
                tls.UseTls();
                // MQTTnet's WebSocket channel does not apply WithTrustChain; a device trusts the fleet CA only, as here.
                tls.WithCertificateValidationHandler(e => TrustsFleetCa(e.Certificate));
                if (certificate is not null)
                    tls.WithClientCertificates([certificate]);
            });

    private bool TrustsFleetCa(X509Certificate certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_bridge.Ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(server);
    }

    private static MqttApplicationMessage Reading(string deviceId) => new MqttApplicationMessageBuilder()
        .WithTopic($"devices/{deviceId}/telemetry").WithPayload("""{"wss":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
}
