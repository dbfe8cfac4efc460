using Pipeline.RulesProcessor.Modules.Validate;
using static Pipeline.RulesProcessor.UnitTests.Readings;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.UnitTests;

public sealed class ValidateModuleTests
{
    [Theory]
    [InlineData("temp erature")]
    [InlineData("1st")]
    [InlineData("a-b")]
    [InlineData("température")]
    [InlineData("x;DROP TABLE")]
    [InlineData("")]
    public void A_metric_name_the_storage_cannot_take_as_is_is_rejected(string name)
    {
        using var h = new TopologyHarness([TopologyHarness.Validate()]);

        h.Send(Of("dev-1", T0, null, ("ok", 1), (name, 2)));

        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.InvalidMetricName, rejected.Reason);
        Assert.Empty(h.Enriched.ReadValueList());
    }

    [Fact]
    public void A_name_longer_than_the_limit_is_rejected_and_one_at_the_limit_passes()
    {
        using var h = new TopologyHarness([TopologyHarness.Validate(new ValidateOptions { MaxMetricNameLength = 10 })]);

        h.Send(Of("dev-1", T0, null, (new string('a', 10), 1)));
        h.Send(Of("dev-1", T0, null, (new string('a', 11), 1)));

        Assert.Single(h.Enriched.ReadValueList());
        Assert.Equal(Reason.InvalidMetricName, Assert.Single(h.Rejected.ReadValueList()).Reason);
    }

    [Fact]
    public void A_huge_metric_map_is_rejected_and_one_at_the_limit_passes()
    {
        using var h = new TopologyHarness([TopologyHarness.Validate(new ValidateOptions { MaxMetrics = 100 })]);

        h.Send(Of("dev-1", T0, null, Enumerable.Range(0, 100).Select(i => ($"m{i}", (double)i)).ToArray()));
        h.Send(Of("dev-1", T0, null, Enumerable.Range(0, 5000).Select(i => ($"m{i}", (double)i)).ToArray()));

        Assert.Single(h.Enriched.ReadValueList());
        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.TooManyMetrics, rejected.Reason);
        Assert.Contains("5000", rejected.Detail);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_non_finite_value_is_rejected(double value)
    {
        using var h = new TopologyHarness([TopologyHarness.Validate()]);

        h.Send(Of("dev-1", T0, null, ("temperature", value)));

        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.NonFiniteValue, rejected.Reason);
        Assert.Contains("temperature", rejected.Detail);
    }

    [Theory]
    [InlineData("1970-01-01T00:00:00Z")]
    [InlineData("2100-01-01T00:00:00Z")]
    public void Device_times_from_1970_or_2100_are_rejected(string deviceTime)
    {
        using var h = new TopologyHarness([TopologyHarness.Validate()]);
        var ts = DateTimeOffset.Parse(deviceTime).ToUnixTimeMilliseconds();

        h.Send(Of("dev-1", ts).ReceivedAt(T0));

        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.TimestampOutOfRange, rejected.Reason);
        Assert.Contains(deviceTime[..4], rejected.Detail);
        Assert.Empty(h.Enriched.ReadValueList());
    }

    [Fact]
    public void Device_time_within_the_skew_and_age_limits_passes()
    {
        using var h = new TopologyHarness([TopologyHarness.Validate()]);

        h.Send(Of("dev-1", T0 + 4 * 60_000).ReceivedAt(T0));
        h.Send(Of("dev-1", T0 - 6 * 86_400_000L).ReceivedAt(T0));

        Assert.Equal(2, h.Enriched.ReadValueList().Count());
    }

    [Fact]
    public void A_value_outside_its_configured_range_is_rejected()
    {
        var options = new ValidateOptions { Ranges = { ["temperature"] = new MetricRange { Min = -40, Max = 125 } } };
        using var h = new TopologyHarness([TopologyHarness.Validate(options)]);

        h.Send(Of("dev-1", T0, null, ("temperature", 125)));
        h.Send(Of("dev-1", T0, null, ("temperature", 126)));
        h.Send(Of("dev-1", T0, null, ("humidity", 1e9)));

        Assert.Equal(2, h.Enriched.ReadValueList().Count());
        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.ValidationFailed, rejected.Reason);
        Assert.Contains("126", rejected.Detail);
    }

    [Fact]
    public void A_model_missing_a_required_metric_is_rejected_and_other_models_pass()
    {
        var options = new ValidateOptions { RequiredMetrics = { ["th-100"] = ["temperature", "humidity"] } };
        using var h = new TopologyHarness([TopologyHarness.Validate(options)]);
        h.Register("th", false, ("model", "th-100"));
        h.Register("other", false, ("model", "x-1"));

        h.Send(Of("th", T0, null, ("temperature", 20), ("humidity", 40)));
        h.Send(Of("th", T0, null, ("temperature", 20)));
        h.Send(Of("other", T0, null, ("temperature", 20)));
        h.Send(Of("unknown", T0, null, ("temperature", 20)));

        Assert.Equal(["th", "other", "unknown"], h.Enriched.ReadKeyValueList().Select(r => r.Message.Key));
        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.ValidationFailed, rejected.Reason);
        Assert.Contains("humidity", rejected.Detail);
    }

    [Fact]
    public void Rejections_are_counted_by_reason()
    {
        using var h = new TopologyHarness([TopologyHarness.Validate()]);

        h.Send(Of("dev-1", T0, null, ("a", double.NaN)));
        h.Send(Of("dev-1", T0, null, ("b", double.NaN)));
        h.Send(Of("dev-1", T0));

        Assert.Equal(2, h.Metrics.RejectedCount(Reason.NonFiniteValue));
        Assert.Equal(3, h.Metrics.InCount("validate"));
        Assert.Equal(1, h.Metrics.OutCount("validate"));
    }
}
