using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;

namespace Pipeline.MqttBridge.IntegrationTests;

public sealed class AuthenticationTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task A_wrong_token_is_refused_with_bad_username_or_password()
    {
        var device = await Bridge.AddDeviceAsync();
        var (client, result, _) = await DeviceClients.ConnectAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token + "x").Build());
        using (client)
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result!.ResultCode);
    }

    [Fact]
    public async Task A_device_connecting_the_moment_its_registration_is_written_is_accepted()
    {
        // A provisioning script registers and connects at once: the CONNECT can reach the bridge before the record
        // reaches its registry view. Ten in a row, none given time to propagate.
        for (var i = 0; i < 10; i++)
        {
            var id = $"fresh-{Guid.NewGuid():N}"[..20];
            var added = await Bridge.Registry.AddAsync(id, new Dictionary<string, string>(), false, CancellationToken.None);
            var (client, result, error) = await DeviceClients.ConnectAsync(DeviceClients.Tcp(Bridge.Endpoints, id).WithToken(id, added.Token).Build());
            using (client)
                Assert.True(result?.ResultCode == MqttClientConnectResultCode.Success, $"{id}: {result?.ResultCode} {result?.ReasonString} {error?.Message}");
        }
    }

    [Fact]
    public async Task An_unknown_device_gets_the_same_answer_as_a_wrong_token()
    {
        var (client, result, _) = await DeviceClients.ConnectAsync(
            DeviceClients.Tcp(Bridge.Endpoints, "nobody-here").WithToken("nobody-here", "whatever-token").Build());
        using (client)
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result!.ResultCode);
    }

    [Fact]
    public async Task Missing_credentials_are_refused()
    {
        var (client, result, _) = await DeviceClients.ConnectAsync(DeviceClients.Tcp(Bridge.Endpoints, "anonymous").Build());
        using (client)
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result!.ResultCode);
    }

    [Fact]
    public async Task A_client_id_other_than_the_device_id_is_refused()
    {
        var device = await Bridge.AddDeviceAsync();
        var (client, result, _) = await DeviceClients.ConnectAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId + "-other").WithToken(device.DeviceId, device.Token).Build());
        using (client)
            Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result!.ResultCode);
    }

    [Fact]
    public async Task A_revoked_device_is_refused_and_its_live_session_is_closed()
    {
        var device = await Bridge.AddDeviceAsync();
        var options = DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build();
        using var live = await DeviceClients.ConnectOrThrowAsync(options);
        MqttClientDisconnectedEventArgs? disconnected = null;
        live.DisconnectedAsync += e =>
        {
            disconnected = e;
            return Task.CompletedTask;
        };

        await Bridge.RevokeAsync(device.DeviceId);

        await Eventually.HoldsAsync(() => disconnected is not null, TimeSpan.FromSeconds(20), "the live session is closed");
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, disconnected!.Reason);
        var (again, result, _) = await DeviceClients.ConnectAsync(options);
        using (again)
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result!.ResultCode);
    }

    [Fact]
    public async Task Each_record_names_the_not_revoked_registry_record_it_was_accepted_under()
    {
        // What lets the processor keep a publish acknowledged just before a revocation (docs: enrich module).
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        Assert.True(Bridge.Services.GetRequiredService<DeviceRegistryView>().TryGet(device.DeviceId, out var registered));

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{device.DeviceId}/telemetry")
            .WithPayload("""{"seq":1,"t":1}""").WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.True(result.IsSuccess, result.ReasonString);
        var (_, record) = Assert.Single(await Bridge.WaitForRecordsAsync<Contracts.TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId));
        Assert.Equal(registered!.UpdatedTsMs > 0 ? registered.UpdatedTsMs : registered.CreatedTsMs, record.AcceptedUnderRegistryTsMs);
        Assert.False(registered.Revoked);
        // Registered a moment ago: the processor's table may not have it yet, so the record carries its attributes.
        Assert.NotNull(record.AcceptedUnder);
        Assert.Equal(registered.Attributes, record.AcceptedUnder.Attributes);
    }

    [Fact]
    public async Task A_registry_record_older_than_the_snapshot_window_is_not_copied_into_telemetry()
    {
        await using var bridge = await TestBridge.StartAsync(new Dictionary<string, string> { ["Bridge:RegistrySnapshotWindow"] = "00:00:00" });
        var device = await bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());

        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{device.DeviceId}/telemetry")
            .WithPayload("""{"seq":1,"t":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.True(result.IsSuccess, result.ReasonString);
        var (_, record) = Assert.Single(await bridge.WaitForRecordsAsync<Contracts.TelemetryRecord>(bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId));
        Assert.True(record.AcceptedUnderRegistryTsMs > 0);
        Assert.Null(record.AcceptedUnder);
    }

    [Fact]
    public async Task Mqtt311_refusals_carry_the_311_return_codes()
    {
        var device = await Bridge.AddDeviceAsync();
        var (client, result, _) = await DeviceClients.ConnectAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId, MqttProtocolVersion.V311).WithToken(device.DeviceId, "wrong").Build());
        using (client)
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result!.ResultCode);
    }

    [Fact]
    public async Task A_second_connect_of_the_same_device_takes_over_the_session()
    {
        var device = await Bridge.AddDeviceAsync();
        var options = DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build();
        using var first = await DeviceClients.ConnectOrThrowAsync(options);
        MqttClientDisconnectReason? reason = null;
        first.DisconnectedAsync += e =>
        {
            reason = e.Reason;
            return Task.CompletedTask;
        };
        using var second = await DeviceClients.ConnectOrThrowAsync(options);
        await Eventually.HoldsAsync(() => reason is not null, TimeSpan.FromSeconds(10), "the first connection is taken over");
        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, reason);
        var publish = await second.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload("""{"v":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(publish.IsSuccess);
    }

    [Fact]
    public async Task A_device_connects_over_websocket()
    {
        var device = await Bridge.AddDeviceAsync();
        var options = new MqttClientOptionsBuilder()
            .WithWebSocketServer(o => o.WithUri($"ws://127.0.0.1:{Bridge.Endpoints.WebSocketPort}{Bridge.Endpoints.WebSocketPath}"))
            .WithClientId(device.DeviceId)
            .WithCredentials(device.DeviceId, device.Token)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .Build();
        using var client = await DeviceClients.ConnectOrThrowAsync(options);
        var publish = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload("""{"ws":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(publish.IsSuccess, publish.ReasonString);
        await Bridge.WaitForRecordsAsync<Contracts.TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId && r.Metrics.ContainsKey("ws"));
    }
}
