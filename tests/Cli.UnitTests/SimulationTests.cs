using System.Text.Json;
using Pipeline.Cli.Commands;
using Pipeline.Cli.Simulation;

namespace Pipeline.Cli.UnitTests;

public sealed class SimulationTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("1500ms", 1.5)]
    [InlineData("00:01:30", 90)]
    public void Durations_read_as_a_user_writes_them(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationParser.Parse(text));

    [Fact]
    public void A_duration_that_is_not_one_is_refused_with_exit_code_2()
    {
        var e = Assert.Throws<CliException>(() => DurationParser.Parse("soon"));
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("--duration", e.Message);
    }

    [Fact]
    public void A_device_sends_json_telemetry_with_growing_seq_and_three_metrics()
    {
        var generator = new TelemetryGenerator(deviceIndex: 3, malformedShare: 0, duplicateShare: 0, seed: 1);
        var now = DateTimeOffset.UtcNow;
        var seqs = Enumerable.Range(0, 50).Select(_ => generator.Next(now)).Select(m =>
        {
            Assert.Equal(3, m.MetricCount);
            var json = JsonDocument.Parse(m.Payload).RootElement;
            Assert.Equal(now.ToUnixTimeMilliseconds(), json.GetProperty("ts").GetInt64());
            Assert.True(json.GetProperty("temperature").GetDouble() is > 10 and < 40);
            Assert.Equal(2, json.GetProperty("metrics").EnumerateObject().Count());
            return json.GetProperty("seq").GetUInt64();
        }).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
    }

    [Fact]
    public void Resends_repeat_the_previous_seq_and_malformed_payloads_are_not_json()
    {
        var generator = new TelemetryGenerator(0, malformedShare: 0.2, duplicateShare: 0.2, seed: 7);
        var messages = Enumerable.Range(0, 500).Select(_ => generator.Next(DateTimeOffset.UtcNow)).ToList();
        Assert.Contains(messages, m => m.IsDuplicate);
        Assert.Contains(messages, m => m.IsMalformed);
        foreach (var (previous, current) in messages.Zip(messages.Skip(1)))
            if (current.IsDuplicate)
                Assert.Equal(previous.IsDuplicate || previous.IsMalformed ? current.Seq : previous.Seq, current.Seq);
        foreach (var malformed in messages.Where(m => m.IsMalformed))
            Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(malformed.Payload));
    }

    [Fact]
    public void Acknowledged_metric_values_count_each_seq_once()
    {
        var counters = new SimulationCounters();
        var message = new SimulatedMessage([], Seq: 5, MetricCount: 3, IsDuplicate: false, IsMalformed: false);
        counters.OnAcknowledged(message, firstAckOfSeq: true);
        counters.OnAcknowledged(message with { IsDuplicate = true }, firstAckOfSeq: false);
        Assert.Equal(2, counters.Acknowledged);
        Assert.Equal(3, counters.AcknowledgedMetricValues);
    }
}
