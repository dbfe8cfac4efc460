using Pipeline.RulesSql.Values;
using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

public sealed class TemplateTests
{
    private static readonly SqlObject Message = SqlJson.ParseObject("""{"fan":"on","level":3,"cfg":{"room":"b2"}}""");

    private static string Render(string template, RuleResult? result = null, RuleContext? context = null) =>
        Template.Parse(template).Render(Message, context ?? Context("devices/sensor-7/telemetry", "sensor-7"), result);

    [Theory]
    [InlineData("devices/${topic(2)}/commands", "devices/sensor-7/commands")]
    [InlineData("alerts/${clientid()}", "alerts/sensor-7")]
    [InlineData("rooms/${cfg.room}/fan-${fan}", "rooms/b2/fan-on")]
    [InlineData("level-${level + 1}", "level-4")]
    [InlineData("${upper(fan)}", "ON")]
    [InlineData("plain/topic", "plain/topic")]
    [InlineData("a/${missing}/b", "a//b")]                 // Undefined renders as ''
    [InlineData("a/${null}/b", "a//b")]
    [InlineData("a/${cfg}", "a/{\"room\":\"b2\"}")]        // objects as JSON
    [InlineData("${level > 1}", "true")]
    [InlineData("cost $5 and {braces}", "cost $5 and {braces}")]
    [InlineData("${ {'a': 1}.a }", "1")]                    // an object literal inside is fine
    [InlineData("${'}'}", "}")]                             // so is a brace inside a string
    public void Substitutions_are_expressions_over_the_message_and_context(string template, string expected)
    {
        Assert.Equal(expected, Render(template));
    }

    [Fact]
    public void DeviceId_is_the_client_id_unless_the_result_or_message_has_that_field()
    {
        Assert.Equal("devices/sensor-7/commands", Render("devices/${deviceId}/commands"));
        var result = RuleSql.Compile("SELECT 'other' AS deviceId FROM '#'").Evaluate(Message, Context())!;
        Assert.Equal("devices/other/commands", Render("devices/${deviceId}/commands", result));
    }

    [Fact]
    public void Result_fields_are_found_before_message_fields()
    {
        var result = RuleSql.Compile("SELECT 'off' AS fan, topic(2) AS dev FROM '#'").Evaluate(Message, Context("devices/sensor-7/telemetry"))!;
        Assert.Equal("off/sensor-7/3", Render("${fan}/${dev}/${level}", result));
    }

    [Fact]
    public void A_template_without_substitutions_is_constant()
    {
        Assert.True(Template.Parse("iot.alerts").IsConstant);
        Assert.False(Template.Parse("x/${topic(1)}").IsConstant);
    }

    [Theory]
    [InlineData("devices/${topic(2)/commands", 28, "expected '}' to close")]
    [InlineData("devices/${topic(2)", 19, "expected '}' to close the '${' substitution, found the end of the text")]
    [InlineData("devices/${}/x", 9, "empty substitution")]
    [InlineData("devices/${lowr(fan)}", 11, "unknown function 'lowr' (did you mean 'lower'?)")]
    [InlineData("devices/${topic(0)}", 17, "topic(n) counts topic levels from 1")]
    [InlineData("a/${'open}", 5, "unterminated string")]
    public void Bad_templates_are_refused_with_the_position_in_the_template(string template, int column, string reason)
    {
        var error = Assert.Throws<RuleSqlException>(() => Template.Parse(template));
        Assert.Equal(column, error.Column);
        Assert.StartsWith(reason, error.Reason);
    }
}
