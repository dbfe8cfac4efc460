using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.UnitTests.Policy;

public class TopicPolicyTests
{
    private const string Device = "sensor-1";

    [Theory]
    [InlineData("devices/sensor-1/telemetry", TopicKind.Telemetry)]
    [InlineData("devices/sensor-1/events", TopicKind.Events)]
    public void Publishing_to_own_telemetry_and_events_is_allowed(string topic, TopicKind kind)
    {
        var (actual, refusal) = TopicPolicy.ClassifyPublish(Device, topic);
        Assert.Null(refusal);
        Assert.Equal(kind, actual);
    }

    [Theory]
    [InlineData("devices/sensor-2/telemetry")]            // another device
    [InlineData("devices/sensor-1x/telemetry")]           // a longer id sharing the prefix
    [InlineData("devices/sensor/telemetry")]
    [InlineData("devices/+/telemetry")]
    [InlineData("devices/#")]
    [InlineData("devices/sensor-1/+")]                    // wildcards are never valid in a publish topic
    [InlineData("devices/sensor-1/#")]
    [InlineData("#")]
    [InlineData("$SYS/broker/clients")]
    [InlineData("$share/g/devices/sensor-1/telemetry")]
    [InlineData("devices/sensor-1//telemetry")]           // empty level
    [InlineData("devices/sensor-1/telemetry/")]           // empty last level
    [InlineData("/devices/sensor-1/telemetry")]
    [InlineData("devices/sensor-1/telemetry\0")]          // NUL
    [InlineData("devices/sensor-1\0/telemetry")]
    [InlineData("devices/sensor-1")]
    [InlineData("devices/sensor-1/")]
    [InlineData("telemetry")]
    public void Publishing_outside_the_own_prefix_is_not_authorized(string topic)
    {
        var (_, refusal) = TopicPolicy.ClassifyPublish(Device, topic);
        Assert.NotNull(refusal);
        Assert.Equal(MqttPubAckReasonCode.NotAuthorized, refusal.Code);
        Assert.Equal(RejectedMessage.Types.Reason.NotAuthorized, refusal.Reason);
    }

    [Theory]
    [InlineData("devices/sensor-1/shadow/update/accepted", "not a shadow request topic")]
    [InlineData("devices/sensor-1/shadow/name/x/y/get", "not a shadow request topic")]
    [InlineData("devices/sensor-1/shadow/name/bad.name/get", "not a shadow name")]
    [InlineData("devices/sensor-1/commands", "cannot publish")]
    [InlineData("devices/sensor-1/status", "not a pipeline topic")]
    [InlineData("devices/sensor-1/telemetry/extra", "not a pipeline topic")]
    [InlineData("devices/sensor-1/tel\uFFFDmetry", "not valid UTF-8")]
    [InlineData("devices/sensor-1/tele\u0007metry", "control characters")]
    [InlineData("devices/sensor-1/telemetry\u0085", "control characters")] // C1 control, after a name the fast path knows
    [InlineData("devices/sensor-1/events\u007F", "control characters")]
    [InlineData("", "empty")]
    public void Unknown_topics_under_the_prefix_are_invalid_with_a_reason(string topic, string why)
    {
        var (_, refusal) = TopicPolicy.ClassifyPublish(Device, topic);
        Assert.NotNull(refusal);
        Assert.Equal(MqttPubAckReasonCode.TopicNameInvalid, refusal.Code);
        Assert.Equal(RejectedMessage.Types.Reason.InvalidTopic, refusal.Reason);
        Assert.Contains(why, refusal.Detail);
    }

    [Fact]
    public void Overlong_topics_are_refused()
    {
        var (_, refusal) = TopicPolicy.ClassifyPublish(Device, "devices/sensor-1/" + new string('a', 600));
        Assert.Equal(MqttPubAckReasonCode.TopicNameInvalid, refusal!.Code);
    }

    [Theory]
    [InlineData("devices/sensor-1/commands")]
    [InlineData("devices/sensor-1/#")]
    [InlineData("devices/sensor-1/+")]
    [InlineData("devices/sensor-1/shadow/+/accepted")]
    [InlineData("devices/sensor-1/shadow/name/+/update/delta")]
    public void Subscribing_inside_the_own_prefix_is_allowed(string filter) =>
        Assert.Null(TopicPolicy.CheckSubscription(Device, filter));

    [Theory]
    [InlineData("#")]
    [InlineData("+/#")]
    [InlineData("+/+/commands")]
    [InlineData("devices/#")]
    [InlineData("devices/+/commands")]
    [InlineData("devices/+/#")]
    [InlineData("devices/sensor-2/commands")]
    [InlineData("devices/sensor-1x/commands")]
    [InlineData("$SYS/#")]
    [InlineData("$share/group/devices/sensor-1/commands")]
    [InlineData("devices/sensor-1//commands")]
    [InlineData("devices/sensor-1/commands/")]
    [InlineData("devices/sensor-1")]
    [InlineData("devices/sensor-1/")]
    [InlineData("devices/sensor-1/\0")]
    public void Subscriptions_that_could_reach_other_topics_are_not_authorized(string filter)
    {
        var refusal = TopicPolicy.CheckSubscription(Device, filter);
        Assert.NotNull(refusal);
        Assert.Equal(MqttSubscribeReasonCode.NotAuthorized, refusal.SubscribeCode);
    }

    [Theory]
    [InlineData("devices/sensor-1/comm#")]
    [InlineData("devices/sensor-1/#/x")]
    [InlineData("devices/sensor-1/a+")]
    [InlineData("devices/sensor-1/x\uFFFD")]
    public void Malformed_filters_under_the_prefix_are_invalid(string filter)
    {
        var refusal = TopicPolicy.CheckSubscription(Device, filter);
        Assert.NotNull(refusal);
        Assert.Equal(MqttSubscribeReasonCode.TopicFilterInvalid, refusal.SubscribeCode);
    }
}
