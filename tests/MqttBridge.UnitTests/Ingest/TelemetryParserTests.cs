using System.Buffers;
using System.Text;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Ingest;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class TelemetryParserTests
{
    private static ParseResult<Telemetry> Json(string text) => TelemetryParser.ParseJson(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void The_contract_example_gives_ts_seq_and_both_metrics()
    {
        var result = Json("""{"ts":1764230400000,"seq":42,"temperature":21.5,"metrics":{"humidity":40}}""");
        Assert.Null(result.Refusal);
        var t = result.Value!;
        Assert.Equal(1764230400000, t.TsMs);
        Assert.Equal(42UL, t.Seq);
        Assert.Equal(2, t.Metrics.Count);
        Assert.Equal(21.5, t.Metrics["temperature"]);
        Assert.Equal(40, t.Metrics["humidity"]);
    }

    [Fact]
    public void Ts_and_seq_are_optional()
    {
        var t = Json("""{"v":1}""").Value!;
        Assert.False(t.HasTsMs);
        Assert.False(t.HasSeq);
        Assert.Equal(1, t.Metrics["v"]);
    }

    [Theory]
    [InlineData("2025-11-27T08:00:00Z", 1764230400000)]
    [InlineData("2025-11-27T09:00:00+01:00", 1764230400000)]
    [InlineData("2025-11-27T08:00:00.250Z", 1764230400250)]
    [InlineData("2025-11-27T08:00:00", 1764230400000)] // no offset = UTC
    public void Iso8601_timestamps_become_epoch_milliseconds(string ts, long expected) =>
        Assert.Equal(expected, Json($$"""{"ts":"{{ts}}","v":1}""").Value!.TsMs);

    [Fact]
    public void Strings_booleans_and_other_structure_at_top_level_are_ignored()
    {
        var t = Json("""{"status":"ok","on":true,"tags":["a"],"location":{"lat":1.5},"v":3}""").Value!;
        Assert.Equal(["v"], t.Metrics.Keys);
    }

    [Theory]
    [InlineData("""{"temperature":NaN}""")]
    [InlineData("""{"temperature":Infinity}""")]
    [InlineData("""{"temperature":-Infinity}""")]
    [InlineData("""{"metrics":{"t":NaN}}""")]
    [InlineData("""{"temperature":1e400}""")]
    public void Non_finite_values_are_refused_as_such(string payload)
    {
        var refusal = Json(payload).Refusal;
        Assert.NotNull(refusal);
        Assert.Equal(RejectedMessage.Types.Reason.NonFiniteValue, refusal.Reason);
    }

    // The processor stores only plain identifiers; the bridge refuses the rest before it acknowledges,
    // so an acknowledged value is never refused later (found by the hostile-input suite).
    [Theory]
    [InlineData("""{"temp'); DROP TABLE iot.telemetry; --":1}""")]
    [InlineData("""{"température":1}""")]
    [InlineData("""{"metrics":{"a b":1}}""")]
    [InlineData("""{"1st":1}""")]
    [InlineData("""{"x\u0000":1}""")]
    public void Metric_names_the_storage_cannot_take_as_they_are_are_refused_before_the_ack(string payload)
    {
        var refusal = Json(payload).Refusal;
        Assert.NotNull(refusal);
        Assert.Equal(RejectedMessage.Types.Reason.InvalidMetricName, refusal.Reason);
    }

    [Fact]
    public void A_metric_name_of_the_longest_allowed_length_is_accepted_and_one_more_is_not()
    {
        Assert.Null(Json("{\"" + new string('m', MetricNames.DefaultMaxLength) + "\":1}").Refusal);
        Assert.Equal(RejectedMessage.Types.Reason.InvalidMetricName,
            Json("{\"" + new string('m', MetricNames.DefaultMaxLength + 1) + "\":1}").Refusal!.Reason);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("42", "JSON object")]
    [InlineData("{}", "no metrics")]
    [InlineData("""{"status":"ok"}""", "no metrics")]
    [InlineData("""{"metrics":{}}""", "no metrics")]
    [InlineData("""{"metrics":{"t":"21.5"}}""", "metrics.t is not a number")]
    [InlineData("""{"metrics":{"t":null}}""", "metrics.t is not a number")]
    [InlineData("""{"metrics":{"t":{"x":1}}}""", "metrics.t is not a number")]
    [InlineData("""{"metrics":[1]}""", "metrics must be")]
    [InlineData("""{"seq":-1,"v":1}""", "seq must be")]
    [InlineData("""{"seq":1.5,"v":1}""", "seq must be")]
    [InlineData("""{"seq":"1","v":1}""", "seq must be")]
    [InlineData("""{"ts":-5,"v":1}""", "ts must be")]
    [InlineData("""{"ts":true,"v":1}""", "ts must be")]
    [InlineData("""{"ts":"yesterday","v":1}""", "not an ISO-8601")]
    [InlineData("""{"v":1,"v":2}""", "appears twice")]
    [InlineData("""{"t":1,"metrics":{"t":2}}""", "appears twice")]
    [InlineData("""{"v":1} {"v":2}""", "")]
    [InlineData("""{"v":1""", "not valid JSON")]
    public void Malformed_payloads_are_refused_with_the_reason(string payload, string why)
    {
        var refusal = Json(payload).Refusal;
        Assert.NotNull(refusal);
        Assert.Equal(RejectedMessage.Types.Reason.MalformedPayload, refusal.Reason);
        Assert.Contains(why, refusal.Detail);
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        var bytes = new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' };
        Assert.NotNull(TelemetryParser.ParseJson(new ReadOnlySequence<byte>(bytes)).Refusal);
    }

    [Fact]
    public void Too_many_metrics_are_refused()
    {
        var body = string.Join(",", Enumerable.Range(0, TelemetryParser.MaxMetrics + 1).Select(i => $"\"m{i}\":{i}"));
        Assert.Equal(RejectedMessage.Types.Reason.TooManyMetrics, Json("{" + body + "}").Refusal!.Reason);
    }

    [Fact]
    public void Metric_names_must_be_printable_and_short()
    {
        Assert.Equal(RejectedMessage.Types.Reason.InvalidMetricName, Json("""{"":1}""").Refusal!.Reason);
        Assert.Equal(RejectedMessage.Types.Reason.InvalidMetricName, Json($$"""{"{{new string('m', 129)}}":1}""").Refusal!.Reason);
        Assert.Equal(RejectedMessage.Types.Reason.InvalidMetricName, Json("""{"a\u0001b":1}""").Refusal!.Reason);
    }

    [Fact]
    public void Deep_nesting_is_refused_not_crashed()
    {
        var deep = "{\"x\":" + new string('[', 100) + new string(']', 100) + ",\"v\":1}";
        Assert.Equal(RejectedMessage.Types.Reason.MalformedPayload, Json(deep).Refusal!.Reason);
    }

    [Fact]
    public void Protobuf_telemetry_is_read()
    {
        var message = new Telemetry { TsMs = 1764230400000, Seq = 7 };
        message.Metrics["temperature"] = 21.5;
        var result = TelemetryParser.ParseProtobuf(new ReadOnlySequence<byte>(message.ToByteArray()));
        Assert.Null(result.Refusal);
        Assert.Equal(message, result.Value);
    }

    [Fact]
    public void Protobuf_with_nan_or_garbage_or_nothing_is_refused()
    {
        var nan = new Telemetry();
        nan.Metrics["t"] = double.NaN;
        Assert.Equal(RejectedMessage.Types.Reason.NonFiniteValue,
            TelemetryParser.ParseProtobuf(new ReadOnlySequence<byte>(nan.ToByteArray())).Refusal!.Reason);
        Assert.Equal(RejectedMessage.Types.Reason.MalformedPayload,
            TelemetryParser.ParseProtobuf(new ReadOnlySequence<byte>([0xFF, 0xFF, 0xFF])).Refusal!.Reason);
        Assert.Equal(RejectedMessage.Types.Reason.MalformedPayload,
            TelemetryParser.ParseProtobuf(ReadOnlySequence<byte>.Empty).Refusal!.Reason);
    }
    [Theory]
    [InlineData("""{"ts":1764230400000,"seq":42,"temperature":21.5,"metrics":{"humidity":40}}""")]
    [InlineData("""{"temperature":21.5}""")]
    [InlineData("""{"ts":"2025-11-27T08:00:00Z","metrics":{"a":1,"b":-2.5e3}}""")]
    public void A_record_parsed_straight_from_json_is_the_one_built_from_the_parsed_message(string payload)
    {
        var bytes = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload));

        var direct = RecordFactory.TelemetryFromJson("d1", "devices/d1/telemetry", bytes, 1_000, "b1");

        Assert.Null(direct.Refusal);
        Assert.Equal(RecordFactory.Telemetry("d1", "devices/d1/telemetry", Json(payload).Value!, 1_000, "b1"), direct.Value);
    }

    [Theory]
    [InlineData("""{"bad-name":1,"ok":2}""", RejectedMessage.Types.Reason.InvalidMetricName, "metric name 'bad-name'")]
    [InlineData("""{"ok":1,"ok":2}""", RejectedMessage.Types.Reason.MalformedPayload, "key 'ok' appears twice")]
    [InlineData("""{"metrics":{"t":NaN}}""", RejectedMessage.Types.Reason.NonFiniteValue, "NaN")]
    [InlineData("""{"status":"ok"}""", RejectedMessage.Types.Reason.MalformedPayload, "no metrics")]
    // The name is checked as it is read, but a later fault of the payload is still the one reported, as before.
    [InlineData("""{"bad-name":1,"x":"y","x":1}""", RejectedMessage.Types.Reason.MalformedPayload, "key 'x' appears twice")]
    [InlineData("""{"bad-name":1,"v":1e400}""", RejectedMessage.Types.Reason.NonFiniteValue, "metric 'v'")]
    [InlineData("""{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"a":7}""", RejectedMessage.Types.Reason.MalformedPayload, "key 'a' appears twice")]
    [InlineData("""{"a":1,"b":2,"c":3,"d":4,"e":5,"f":"x","f":6}""", RejectedMessage.Types.Reason.MalformedPayload, "key 'f' appears twice")]
    [InlineData("""{"a":1,"b":"x","c":3,"b":4}""", RejectedMessage.Types.Reason.MalformedPayload, "key 'b' appears twice")]
    public void A_record_parsed_straight_from_json_is_refused_for_the_first_fault_of_the_payload(string payload, RejectedMessage.Types.Reason reason, string detail)
    {
        var refusal = RecordFactory.TelemetryFromJson("d1", "devices/d1/telemetry", new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)), 1_000, "b1").Refusal;

        Assert.NotNull(refusal);
        Assert.Equal(reason, refusal.Reason);
        Assert.Contains(detail, refusal.Detail);
    }
}
