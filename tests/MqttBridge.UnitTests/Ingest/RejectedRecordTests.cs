using System.Buffers;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class RejectedRecordTests
{
    [Fact]
    public void A_refused_payload_and_topic_are_stored_as_bounded_prefixes_and_the_detail_says_so()
    {
        var payload = new byte[200_000];
        var topic = "devices/d/" + new string('t', 5000);

        var record = RecordFactory.Rejected("d", topic, new ReadOnlySequence<byte>(payload), Refusal.TooLarge("too big"), 1);

        Assert.Equal(RecordFactory.RejectedPayloadPrefixBytes, record.Payload.Length);
        Assert.Equal(RecordFactory.RejectedTopicPrefixChars, record.Topic.Length);
        Assert.Equal("too big (payload: first 4096 of 200000 bytes kept) (topic: first 512 of 5010 characters kept)", record.Detail);
    }

    [Fact]
    public void A_small_refused_payload_is_kept_whole()
    {
        var record = RecordFactory.Rejected("d", "devices/d/x", new ReadOnlySequence<byte>("{bad"u8.ToArray()), Refusal.Malformed("not JSON"), 1);
        Assert.Equal(("{bad", "not JSON"), (record.Payload.ToStringUtf8(), record.Detail));
    }
}
