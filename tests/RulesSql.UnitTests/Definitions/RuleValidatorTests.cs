using Pipeline.RulesSql.Definitions;

namespace Pipeline.RulesSql.UnitTests.Definitions;

public sealed class RuleValidatorTests
{
    private static RuleDefinition Rule(string sql = "SELECT * FROM 'devices/+/telemetry'", string name = "r1", params string[] actions) => new()
    {
        Name = name,
        Sql = sql,
        Actions = (actions.Length == 0 ? ["kafka:alerts"] : actions).Select(a => RuleActionParser.Parse(a)).ToList(),
    };

    private static RuleDefinitionException Refused(RuleDefinition rule) =>
        Assert.Throws<RuleDefinitionException>(() => RuleValidator.Prepare(rule));

    [Fact]
    public void A_valid_rule_is_compiled_with_its_action_templates_in_order()
    {
        var prepared = RuleValidator.Prepare(Rule(actions: ["republish:devices/${topic(2)}/commands", "kafka:alerts.${deviceId}"]) with
        {
            ErrorAction = RuleActionParser.Parse("kafka:rule.errors"),
        });

        Assert.True(prepared.Statement.Matches("devices/d1/telemetry"));
        Assert.Equal([0, 1], prepared.Actions.Select(a => a.Index));
        Assert.False(prepared.Actions[0].Target.IsConstant);
        Assert.Equal(-1, prepared.ErrorAction!.Index);
    }

    [Fact]
    public void A_bad_statement_keeps_its_position_and_names_the_sql()
    {
        var error = Refused(Rule("SELECT lowr(a) FROM 'devices/+/telemetry'"));

        Assert.Equal("sql", error.Field);
        Assert.Equal((1, 8), (error.SqlError!.Line, error.SqlError.Column));
        Assert.StartsWith("sql: line 1, column 8: unknown function 'lowr'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dot.ted")]
    public void Names_outside_the_allowed_characters_are_refused(string name)
    {
        Assert.Equal("name", Refused(Rule(name: name)).Field);
        Assert.Equal("name", Refused(Rule(name: new string('a', RuleValidator.MaxNameLength + 1))).Field);
    }

    [Fact]
    public void A_rule_needs_one_to_ten_actions()
    {
        Assert.Contains("at least one action", Refused(Rule() with { Actions = [] }).Message);
        Assert.Contains("at most 10", Refused(Rule(actions: [.. Enumerable.Range(0, 11).Select(i => $"kafka:a{i}")])).Message);
    }

    [Theory]
    [InlineData("republish:devices/d1/other", "devices/<device id>/commands")]
    [InlineData("kafka:iot.telemetry.raw", "the pipeline's own")]
    [InlineData("kafka:bad topic", "A-Z a-z 0-9 . _ -")]
    [InlineData("clickhouse:just_a_table", "database.table")]
    [InlineData("clickhouse:iot.${topic(2)}", "no substitutions")]
    [InlineData("http:ftp://example.com/x", "http:// or https://")]
    [InlineData("http:https://${topic(2)}.example.com/x", "not in its scheme or host")]
    [InlineData("kafka:alerts.${lowr(a)}", "unknown function 'lowr'")]
    public void Targets_the_pipeline_cannot_or_must_not_send_to_are_refused_naming_the_action(string action, string reason)
    {
        var error = Refused(Rule(actions: ["kafka:fine", action]));

        Assert.Equal("actions[1]", error.Field);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Republish_qos_is_0_or_1_and_the_error_action_is_checked_like_the_others()
    {
        Assert.Contains("QoS", Refused(Rule() with { Actions = [RuleActionParser.Parse("republish:devices/d/commands", qos: 2)] }).Message);
        Assert.Equal("errorAction", Refused(Rule() with { ErrorAction = RuleActionParser.Parse("kafka:iot.rejected") }).Field);
    }

    [Fact]
    public void A_description_over_the_limit_is_refused()
    {
        Assert.Equal("description", Refused(Rule() with { Description = new string('d', RuleValidator.MaxDescriptionLength + 1) }).Field);
    }
}
