using Pipeline.RulesSql.Definitions;

namespace Pipeline.RulesSql.UnitTests.Definitions;

public sealed class RuleActionParserTests
{
    [Theory]
    [InlineData("kafka:alerts", RuleActionType.Kafka, "alerts")]
    [InlineData("republish:devices/${topic(2)}/commands", RuleActionType.Republish, "devices/${topic(2)}/commands")]
    [InlineData("clickhouse:iot.hot_readings", RuleActionType.ClickHouse, "iot.hot_readings")]
    [InlineData("http:https://hooks.example/x?d=${deviceId}", RuleActionType.Http, "https://hooks.example/x?d=${deviceId}")]
    [InlineData("https://hooks.example/x", RuleActionType.Http, "https://hooks.example/x")]
    [InlineData(" KAFKA : alerts ", RuleActionType.Kafka, "alerts")]
    public void Type_and_target_are_read_from_the_command_line_form(string text, RuleActionType type, string target)
    {
        var action = RuleActionParser.Parse(text);

        Assert.Equal((type, target, 1), (action.Type, action.Target, action.Qos));
    }

    [Fact]
    public void The_qos_given_is_kept_and_the_action_prints_back_as_type_target()
    {
        var action = RuleActionParser.Parse("republish:devices/d1/commands", qos: 0);

        Assert.Equal(0, action.Qos);
        Assert.Equal("republish:devices/d1/commands", action.ToString());
    }

    [Theory]
    [InlineData("alerts", "write it as type:target")]
    [InlineData(":alerts", "write it as type:target")]
    [InlineData("kafka:", "write it as type:target")]
    [InlineData("sqs:queue", "unknown type 'sqs'")]
    public void Malformed_actions_are_refused_naming_the_problem(string text, string reason)
    {
        var error = Assert.Throws<RuleDefinitionException>(() => RuleActionParser.Parse(text));

        Assert.Contains(reason, error.Message);
    }
}
