using System.Text;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Wills;

namespace Pipeline.MqttBridge.UnitTests.Wills;

public class WillRulesTests
{
    private static WillMessage Will(string topic, bool retain = false) =>
        new(topic, Encoding.UTF8.GetBytes("{}"), null, MqttQualityOfServiceLevel.AtLeastOnce, retain, 0);

    [Theory]
    [InlineData("devices/d1/events")]
    [InlineData("devices/d1/telemetry")]
    [InlineData("devices/d1/shadow/update")]
    public void A_will_on_the_device_s_own_publish_topics_is_accepted(string topic) =>
        Assert.Null(MqttServerEvents.WillRefusal("d1", Will(topic)));

    [Theory]
    [InlineData("devices/d2/events")]
    [InlineData("devices/d1/commands")]
    [InlineData("devices/d1/#")]
    [InlineData("status/d1")]
    [InlineData("")]
    public void A_will_anywhere_else_is_not_authorized(string topic) =>
        Assert.Equal(MqttConnectReasonCode.NotAuthorized, MqttServerEvents.WillRefusal("d1", Will(topic))!.Value.Code);

    [Fact]
    public void A_retained_will_is_refused_as_retain_not_supported() =>
        Assert.Equal(MqttConnectReasonCode.RetainNotSupported, MqttServerEvents.WillRefusal("d1", Will("devices/d1/events", retain: true))!.Value.Code);

    [Fact]
    public void The_will_is_read_from_connect_with_its_delay_and_becomes_the_publish_the_device_would_have_sent()
    {
        Assert.Null(WillMessage.From(new MqttConnectPacket { WillFlag = false }));
        var will = WillMessage.From(new MqttConnectPacket
        {
            WillFlag = true, WillTopic = "devices/d1/events", WillMessage = Encoding.UTF8.GetBytes("""{"type":"gone"}"""),
            WillContentType = "application/json", WillQoS = MqttQualityOfServiceLevel.AtLeastOnce, WillDelayInterval = 30,
        })!;
        Assert.Equal(30u, will.DelaySeconds);
        var publish = will.ToPublish();
        Assert.Equal(("devices/d1/events", "application/json"), (publish.Topic, publish.ContentType));
        Assert.Equal("""{"type":"gone"}""", Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(publish.Payload)));
    }
}
