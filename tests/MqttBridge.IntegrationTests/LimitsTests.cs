using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>Per-connection limits that hold and are advertised (AWS IoT Core's values by default).</summary>
public sealed class LimitsTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task The_mqtt5_connack_advertises_the_maximum_packet_size()
    {
        var device = await Bridge.AddDeviceAsync();
        var (client, result, error) = await DeviceClients.ConnectAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        using (client)
        {
            Assert.Null(error);
            Assert.Equal(128u * 1024 + 64 * 1024, result!.MaximumPacketSize);
        }
    }

    [Fact]
    public async Task A_packet_above_the_hard_limit_gets_disconnect_0x95_and_is_recorded()
    {
        var device = await Bridge.AddDeviceAsync();
        using var raw = await RawMqttClient.OpenAsync(Bridge.Endpoints.TcpPort!.Value);
        Assert.Equal(0, await raw.ConnectV5Async(device.DeviceId, device.DeviceId, device.Token));
        const int length = 300 * 1024;
        await raw.SendRawAsync([0x32, (byte)(length % 128 | 0x80), (byte)(length / 128 % 128 | 0x80), (byte)(length / 128 / 128), 0, 1, (byte)'x']);

        var (type, body) = await raw.ReadPacketAsync();
        Assert.Equal((0xE0, 0x95), (type & 0xF0, body[0]));
        Assert.True(await raw.ServerClosesAsync());
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.PayloadTooLarge);
        Assert.Contains($"packet of {length} bytes exceeds the maximum packet size", rejected.Detail);
    }

    [Fact]
    public async Task More_than_8_filters_in_one_subscribe_are_refused_with_0x97()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        var nine = new MqttClientSubscribeOptionsBuilder();
        for (var i = 0; i < 9; i++)
            nine.WithTopicFilter($"devices/{device.DeviceId}/shadow/name/s{i}/get/accepted");
        var refused = await client.SubscribeAsync(nine.Build());
        Assert.All(refused.Items, item => Assert.Equal(MqttClientSubscribeResultCode.QuotaExceeded, item.ResultCode));
        await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.QuotaExceeded);

        var eight = new MqttClientSubscribeOptionsBuilder();
        for (var i = 0; i < 8; i++)
            eight.WithTopicFilter($"devices/{device.DeviceId}/shadow/name/s{i}/get/accepted", MqttQualityOfServiceLevel.AtLeastOnce);
        var granted = await client.SubscribeAsync(eight.Build());
        Assert.All(granted.Items, item => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, item.ResultCode));
    }

    [Fact]
    public async Task The_51st_subscription_of_a_connection_is_refused_with_0x97()
    {
        var device = await Bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        for (var i = 0; i < 50; i++)
        {
            var ok = await client.SubscribeAsync($"devices/{device.DeviceId}/shadow/name/n{i}/get/accepted", MqttQualityOfServiceLevel.AtLeastOnce);
            Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, ok.Items.Single().ResultCode);
        }
        var again = await client.SubscribeAsync($"devices/{device.DeviceId}/shadow/name/n0/get/accepted", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, again.Items.Single().ResultCode);
        var over = await client.SubscribeAsync($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientSubscribeResultCode.QuotaExceeded, over.Items.Single().ResultCode);

        // Unsubscribing frees a place.
        await client.UnsubscribeAsync($"devices/{device.DeviceId}/shadow/name/n1/get/accepted");
        var freed = await client.SubscribeAsync($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, freed.Items.Single().ResultCode);
    }
}
