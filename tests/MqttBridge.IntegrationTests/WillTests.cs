using System.Text.Json;
using MQTTnet;
using Pipeline.Contracts;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.MqttBridge.Wills;
using Pipeline.TestSupport;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>Last wills: published where a publish on the topic goes, after the will delay unless the device is back; refused at CONNECT outside the device's topics.</summary>
public sealed class WillTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;
    private WillPublisher Wills => (WillPublisher)Bridge.Services.GetService(typeof(WillPublisher))!;

    [Fact]
    public async Task A_will_on_the_device_s_events_topic_becomes_an_event_when_it_disconnects_with_will()
    {
        var device = await Bridge.AddDeviceAsync();
        var client = await DeviceClients.ConnectOrThrowAsync(DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId)
            .WithToken(device.DeviceId, device.Token)
            .WithWillTopic($"devices/{device.DeviceId}/events").WithWillPayload("""{"type":"offline","why":"power"}""").Build());
        // MQTT 5 DISCONNECT 0x04 asks the server to publish the will, as a dropped connection does.
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage).Build());
        client.Dispose();

        var (_, deviceEvent) = (await Bridge.WaitForRecordsAsync<DeviceEvent>(Bridge.Topics.EventsRaw,
            e => e.DeviceId == device.DeviceId && e.Topic.EndsWith("/events", StringComparison.Ordinal))).Single();
        using var body = JsonDocument.Parse(deviceEvent.BodyJson);
        Assert.Equal("power", body.RootElement.GetProperty("why").GetString());
    }

    [Fact]
    public async Task A_clean_disconnect_publishes_no_will_and_a_reconnect_within_the_delay_cancels_it()
    {
        var device = await Bridge.AddDeviceAsync();
        var options = DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token)
            .WithWillTopic($"devices/{device.DeviceId}/events").WithWillPayload("""{"type":"gone"}""").WithWillDelayInterval(600).Build();
        var client = await DeviceClients.ConnectOrThrowAsync(options);
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage).Build());
        client.Dispose();
        await Eventually.HoldsAsync(() => Wills.Pending > 0, TimeSpan.FromSeconds(10), "the will waits for its delay");

        using var again = await DeviceClients.ConnectOrThrowAsync(options);
        Assert.Equal(0, Wills.Pending);
        await again.DisconnectAsync();
        Assert.Equal(0, Wills.Pending);
        Assert.Empty(await Bridge.RecordsNowAsync<DeviceEvent>(Bridge.Topics.EventsRaw, e => e.DeviceId == device.DeviceId));
    }

    [Theory]
    [InlineData("devices/someone-else/events")]
    [InlineData("devices/{0}/commands")]
    [InlineData("status/{0}")]
    public async Task A_will_outside_the_device_s_publish_topics_is_refused_at_connect(string topic)
    {
        var device = await Bridge.AddDeviceAsync();
        var (client, result, error) = await DeviceClients.ConnectAsync(DeviceClients.Tcp(Bridge.Endpoints, device.DeviceId)
            .WithToken(device.DeviceId, device.Token).WithWillTopic(string.Format(topic, device.DeviceId)).WithWillPayload("{}").Build());
        using var _ = client;
        Assert.Null(error);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result!.ResultCode);
        Assert.Contains("will topic refused", result.ReasonString);
    }
}
