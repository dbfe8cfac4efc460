using System.Buffers;
using System.Text;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Ingest;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class EventParserTests
{
    private static ParseResult<EventParser.ParsedEvent> Parse(string text) => EventParser.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Any_json_object_is_an_event_kept_as_text()
    {
        const string body = """{"type":"door_open","ts":"2025-11-27T08:00:00Z","details":{"by":"x","n":[1,2]}}""";
        var parsed = Parse(body).Value!;
        Assert.Equal(body, parsed.BodyJson);
        Assert.Equal(1764230400000, parsed.TsMs);
    }

    [Fact]
    public void A_nested_ts_is_not_the_event_time() => Assert.Null(Parse("""{"inner":{"ts":5}}""").Value!.TsMs);

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("not json")]
    [InlineData("{\"a\":1")]
    [InlineData("{\"ts\":\"never\"}")]
    public void Non_objects_and_broken_json_are_refused(string text) =>
        Assert.Equal(RejectedMessage.Types.Reason.MalformedPayload, Parse(text).Refusal!.Reason);
}
