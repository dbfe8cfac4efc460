using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.IntegrationTests.Support;

namespace Pipeline.MqttBridge.IntegrationTests;

public sealed class TlsTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task A_fleet_client_certificate_whose_cn_is_the_device_id_is_enough_to_connect()
    {
        var device = await Bridge.AddDeviceAsync(certificate: true);
        using var certificate = DeviceClients.Certificate(device.Certificate!);
        using var client = await DeviceClients.ConnectOrThrowAsync(DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, device.DeviceId, certificate).Build());
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload("""{"tls":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(result.IsSuccess, result.ReasonString);
        await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId);
    }

    [Fact]
    public async Task A_token_works_over_tls_without_a_client_certificate()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, device.DeviceId).WithCredentials(device.DeviceId, device.Token).Build());
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused_at_the_handshake()
    {
        var device = await Bridge.AddDeviceAsync();
        using var otherCa = FleetCertificateAuthority.CreateEphemeral();
        using var foreign = DeviceClients.Certificate(otherCa.IssueDeviceCertificate(device.DeviceId));
        var (client, result, error) = await DeviceClients.ConnectAsync(DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, device.DeviceId, foreign).Build());
        using (client)
        {
            Assert.False(client.IsConnected);
            Assert.True(error is not null || result!.ResultCode != MqttClientConnectResultCode.Success);
        }
    }

    [Fact]
    public async Task An_expired_certificate_is_refused_at_the_handshake()
    {
        var device = await Bridge.AddDeviceAsync();
        using var expired = DeviceClients.Certificate(
            Bridge.Ca.IssueDeviceCertificate(device.DeviceId, DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddMinutes(-1)));
        var (client, result, error) = await DeviceClients.ConnectAsync(DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, device.DeviceId, expired).Build());
        using (client)
        {
            Assert.False(client.IsConnected);
            Assert.True(error is not null || result!.ResultCode != MqttClientConnectResultCode.Success);
        }
    }

    [Fact]
    public async Task A_fleet_certificate_for_an_unregistered_device_is_not_authorized()
    {
        using var certificate = DeviceClients.Certificate(Bridge.Ca.IssueDeviceCertificate("never-registered"));
        var (client, result, _) = await DeviceClients.ConnectAsync(DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, "never-registered", certificate).Build());
        using (client)
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result!.ResultCode);
    }

    [Fact]
    public async Task A_certificate_and_a_client_id_of_another_device_is_refused()
    {
        var device = await Bridge.AddDeviceAsync(certificate: true);
        using var certificate = DeviceClients.Certificate(device.Certificate!);
        var (client, result, _) = await DeviceClients.ConnectAsync(DeviceClients.Tls(Bridge.Endpoints, Bridge.Ca, "someone-else", certificate).Build());
        using (client)
            Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result!.ResultCode);
    }
}

public sealed class MandatoryClientCertificateTests : IAsyncLifetime
{
    private TestBridge _bridge = null!;

    public async Task InitializeAsync() =>
        _bridge = await TestBridge.StartAsync(new Dictionary<string, string> { ["Listeners:RequireClientCertificate"] = "true" });

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    [Fact]
    public async Task With_the_switch_on_a_token_alone_is_refused_on_the_tls_port()
    {
        var device = await _bridge.AddDeviceAsync(certificate: true);
        var (client, _, _) = await DeviceClients.ConnectAsync(
            DeviceClients.Tls(_bridge.Endpoints, _bridge.Ca, device.DeviceId).WithCredentials(device.DeviceId, device.Token).Build());
        using (client)
            Assert.False(client.IsConnected);

        using var certificate = DeviceClients.Certificate(device.Certificate!);
        using var withCertificate = await DeviceClients.ConnectOrThrowAsync(DeviceClients.Tls(_bridge.Endpoints, _bridge.Ca, device.DeviceId, certificate).Build());
        Assert.True(withCertificate.IsConnected);
    }
}
