using Pipeline.Cli.Status;

namespace Pipeline.Cli.UnitTests;

public sealed class MetricsSampleTests
{
    private const string Text = """
        # HELP mqtt_bridge_rejects_total Refusals by reason.
        # TYPE mqtt_bridge_rejects_total counter
        mqtt_bridge_rejects_total{reason="malformed_payload",kind="telemetry"} 32
        mqtt_bridge_rejects_total{reason="not_authorized",kind="telemetry"} 3
        mqtt_bridge_rejects_total{reason="not_authorized",kind="events"} 2
        mqtt_bridge_buffer_bytes 2048
        weird_label{detail="a \"quoted\", comma"} 1.5e3
        """;

    [Fact]
    public void Reads_samples_labels_and_values_of_the_prometheus_text_format()
    {
        var sample = MetricsSample.Parse(Text, DateTime.UtcNow);
        Assert.Equal(37, sample.Sum("mqtt_bridge_rejects_total"));
        Assert.Equal(5, sample.Sum("mqtt_bridge_rejects_total", l => l["reason"] == "not_authorized"));
        Assert.Equal([("malformed_payload", 32.0), ("not_authorized", 5.0)], sample.By("mqtt_bridge_rejects_total", "reason").OrderBy(r => r.Label));
        Assert.Equal(2048, sample.Sum("mqtt_bridge_buffer_bytes"));
        var weird = Assert.Single(sample.All, s => s.Name == "weird_label");
        Assert.Equal("a \"quoted\", comma", weird.Labels["detail"]);
        Assert.Equal(1500, weird.Value);
    }

    [Fact]
    public void Rates_come_from_two_scrapes_and_a_silent_service_is_shown_as_down()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var before = MetricsSample.Parse("mqtt_bridge_messages_in_total{kind=\"telemetry\"} 100\nmqtt_bridge_messages_accepted_total{kind=\"telemetry\"} 90", t0);
        var now = MetricsSample.Parse("mqtt_bridge_messages_in_total{kind=\"telemetry\"} 300\nmqtt_bridge_messages_accepted_total{kind=\"telemetry\"} 250", t0.AddSeconds(2));
        var bridge = PipelineStatus.Bridge(before, now);
        Assert.True(bridge.Up);
        Assert.Equal(100, bridge.InPerSecond);
        Assert.Equal(80, bridge.OutPerSecond);
        Assert.False(PipelineStatus.Sink(MetricsSample.Empty, MetricsSample.Empty).Up);
    }
}
