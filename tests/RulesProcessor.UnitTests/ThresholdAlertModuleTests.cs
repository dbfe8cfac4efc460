using System.Text.Json;
using Pipeline.RulesProcessor.Modules.ThresholdAlert;
using static Pipeline.RulesProcessor.UnitTests.Readings;

namespace Pipeline.RulesProcessor.UnitTests;

public sealed class ThresholdAlertModuleTests
{
    private static readonly ThresholdRule HotFor3 = new() { Metric = "temperature", Above = 80, Consecutive = 3 };

    private static void Temperatures(TopologyHarness h, string deviceId, params double[] values)
    {
        foreach (var value in values)
            h.Send(Of(deviceId, T0, null, ("temperature", value)));
    }

    [Fact]
    public void Three_readings_above_the_limit_in_a_row_raise_one_alert()
    {
        using var h = new TopologyHarness([TopologyHarness.ThresholdAlert(HotFor3)]);

        Temperatures(h, "dev-1", 81, 85, 90, 95, 99);

        var alert = Assert.Single(h.Events.ReadValueList());
        Assert.Equal("threshold-alert", alert.Source);
        Assert.Equal("dev-1", alert.DeviceId);
        using var body = JsonDocument.Parse(alert.BodyJson);
        Assert.Equal("temperature", body.RootElement.GetProperty("metric").GetString());
        Assert.Equal(90, body.RootElement.GetProperty("value").GetDouble());
    }

    [Fact]
    public void A_reading_at_or_below_the_limit_breaks_the_run_and_re_arms_the_rule()
    {
        using var h = new TopologyHarness([TopologyHarness.ThresholdAlert(HotFor3)]);

        Temperatures(h, "dev-1", 81, 82, 80, 83, 84);
        Assert.Empty(h.Events.ReadValueList());

        Temperatures(h, "dev-1", 70, 81, 81, 81);
        Assert.Single(h.Events.ReadValueList());
    }

    [Fact]
    public void Devices_have_their_own_runs_and_readings_without_the_metric_do_not_break_them()
    {
        using var h = new TopologyHarness([TopologyHarness.ThresholdAlert(HotFor3)]);

        Temperatures(h, "a", 90);
        Temperatures(h, "b", 90);
        h.Send(Of("a", T0, null, ("humidity", 10)));
        Temperatures(h, "a", 90, 90);

        Assert.Equal(["a"], h.Events.ReadValueList().Select(e => e.DeviceId));
    }

    [Fact]
    public void Alerts_are_counted_as_the_modules_output()
    {
        using var h = new TopologyHarness([TopologyHarness.ThresholdAlert(HotFor3)]);

        Temperatures(h, "dev-1", 90, 90, 90);

        Assert.Equal(3, h.Metrics.InCount("threshold-alert"));
        Assert.Equal(1, h.Metrics.OutCount("threshold-alert"));
    }
}
