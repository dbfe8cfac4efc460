using System.Text;
using Pipeline.Contracts.Commands;

namespace Pipeline.Contracts.UnitTests.Commands;

public class CommandRequestTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void A_json_command_becomes_a_record_with_its_qos_and_expiry()
    {
        var (request, error) = CommandRequest.Create("dev-1", Utf8("""{"reboot":true}"""), 0, TimeSpan.FromMinutes(5), retain: false);
        Assert.Null(error);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var record = request!.ToRecord("c1", now);
        Assert.Equal(("c1", "dev-1", 0, true), (record.CommandId, record.DeviceId, record.Qos, record.HasQos));
        Assert.Equal(now.ToUnixTimeMilliseconds(), record.CreatedTsMs);
        Assert.Equal(now.AddMinutes(5).ToUnixTimeMilliseconds(), record.ExpiresTsMs);
        Assert.Equal("""{"reboot":true}""", record.Payload.ToStringUtf8());
        Assert.Equal("devices/dev-1/commands", request.Topic);
    }

    [Fact]
    public void Without_an_expiry_the_record_leaves_it_to_the_bridge_default()
    {
        var (request, _) = CommandRequest.Create("dev-1", Utf8("{}"), 1, null, retain: false);
        Assert.Equal(0, request!.ToRecord("c", DateTimeOffset.UtcNow).ExpiresTsMs);
    }

    [Theory]
    [InlineData("{not json", 1, "not valid JSON")]
    [InlineData("", 1, "payload is empty")]
    [InlineData("{}", 2, "qos must be 0 or 1")]
    [InlineData("{}", -1, "qos must be 0 or 1")]
    public void Bad_requests_are_refused_with_the_reason(string payload, int qos, string reason)
    {
        var (request, error) = CommandRequest.Create("dev-1", Utf8(payload), qos, null, retain: false);
        Assert.Null(request);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void An_oversized_payload_or_an_expiry_out_of_range_is_refused()
    {
        var big = Utf8("\"" + new string('x', CommandRequest.MaxPayloadBytes) + "\"");
        Assert.Contains("at most", CommandRequest.Create("d", big, 1, null, false).Error);
        Assert.Contains("expires must be", CommandRequest.Create("d", Utf8("{}"), 1, TimeSpan.Zero, false).Error);
        Assert.Contains("expires must be", CommandRequest.Create("d", Utf8("{}"), 1, TimeSpan.FromDays(8), false).Error);
    }

    [Fact]
    public void An_empty_retained_payload_clears_the_retained_message()
    {
        var (request, error) = CommandRequest.Create("dev-1", [], 1, null, retain: true);
        Assert.Null(error);
        Assert.True(request!.ClearsRetained);
        Assert.False(CommandRequest.Create("dev-1", Utf8("{}"), 1, null, retain: true).Request!.ClearsRetained);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("00:00:30", 30)]
    [InlineData("1.5m", 90)]
    public void Durations_are_read_as_people_write_them(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), CommandRequest.ParseDuration(text));

    [Theory]
    [InlineData("soon")]
    [InlineData("10x")]
    [InlineData("-5m")]
    [InlineData("")]
    public void Anything_else_is_not_a_duration(string text) => Assert.Null(CommandRequest.ParseDuration(text));
}
