namespace Pipeline.RulesSql.UnitTests;

public sealed class TopicFilterTests
{
    [Theory]
    [InlineData("devices/+/telemetry", "devices/sensor-1/telemetry", true)]
    [InlineData("devices/+/telemetry", "devices/sensor-1/events", false)]
    [InlineData("devices/+/telemetry", "devices/telemetry", false)]
    [InlineData("devices/+/telemetry", "devices/a/b/telemetry", false)]
    [InlineData("devices/+", "devices/", true)]             // + matches an empty level
    [InlineData("devices/#", "devices", true)]              // # matches the parent too
    [InlineData("devices/#", "devices/a/b/c", true)]
    [InlineData("devices/#", "device", false)]
    [InlineData("#", "devices/a", true)]
    [InlineData("+/+", "a/b", true)]
    [InlineData("+/+", "a", false)]
    [InlineData("+", "/a", false)]
    [InlineData("/+", "/a", true)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b", "a/b/", false)]
    [InlineData("a/b", "A/b", false)]                       // case-sensitive
    [InlineData("#", "$SYS/broker", false)]                 // wildcards at the start skip $ topics
    [InlineData("+/broker", "$SYS/broker", false)]
    [InlineData("$SYS/#", "$SYS/broker", true)]
    [InlineData("devices/+/shadow/#", "devices/x/shadow/name/n/update", true)]
    [InlineData("a/+", "a/+", false)]                        // a topic name never holds wildcards
    public void Matches_with_mqtt_semantics(string filter, string topic, bool expected)
    {
        Assert.Equal(expected, TopicFilter.Parse(filter).Matches(topic));
        Assert.Equal(expected, RuleSql.Compile($"SELECT * FROM '{filter}'").Matches(topic));
    }

    [Theory]
    [InlineData("devices/#/telemetry", 9, "'#' must be the last topic level")]
    [InlineData("devices/a#", 10, "'#' must be the last topic level")]
    [InlineData("devices/+a/x", 9, "'+' must be a whole topic level")]
    [InlineData("a+", 2, "'+' must be a whole topic level")]
    [InlineData("", 1, "the topic filter is empty")]
    public void Invalid_filters_are_refused_at_parse_time_with_the_position(string filter, int column, string reason)
    {
        var error = Assert.Throws<RuleSqlException>(() => RuleSql.Compile($"SELECT * FROM '{filter}'"));
        Assert.Equal(1, error.Line);
        Assert.Equal("SELECT * FROM '".Length + column, error.Column);
        Assert.StartsWith(reason, error.Reason);
    }
}
