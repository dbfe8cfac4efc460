using System.Text;
using System.Text.Json.Nodes;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.RulesSql.UnitTests.Definitions;

public sealed class RuleDefinitionJsonTests
{
    private static readonly RuleDefinition Fan = new()
    {
        Name = "fan",
        Sql = "SELECT temperature FROM 'devices/+/telemetry' WHERE temperature > 30",
        Actions = [RuleActionParser.Parse("republish:devices/${topic(2)}/commands", qos: 0), RuleActionParser.Parse("kafka:alerts")],
        ErrorAction = RuleActionParser.Parse("kafka:rule.errors"),
        Description = "fan on when hot",
        Enabled = false,
        Version = 3,
        CreatedTsMs = 1_700_000_000_000,
        UpdatedTsMs = 1_700_000_060_000,
    };

    [Fact]
    public void The_stored_form_is_camel_case_json_with_action_types_as_words()
    {
        var json = JsonNode.Parse(RuleDefinitionJson.ToBytes(Fan))!;

        Assert.Equal("fan", json["name"]!.GetValue<string>());
        Assert.Equal(("republish", 0), (json["actions"]![0]!["type"]!.GetValue<string>(), json["actions"]![0]!["qos"]!.GetValue<int>()));
        Assert.Equal("kafka", json["errorAction"]!["type"]!.GetValue<string>());
        Assert.Equal((false, 3L, 1_700_000_060_000L), (json["enabled"]!.GetValue<bool>(), json["version"]!.GetValue<long>(), json["updatedTsMs"]!.GetValue<long>()));
    }

    [Fact]
    public void A_rule_reads_back_as_written_and_without_an_error_action_the_field_is_left_out()
    {
        var back = RuleDefinitionJson.TryRead(RuleDefinitionJson.ToBytes(Fan))!;
        Assert.Equal(Fan with { Actions = [] }, back with { Actions = [] });
        Assert.Equal(Fan.Actions, back.Actions);

        Assert.DoesNotContain("errorAction", RuleDefinitionJson.ToText(Fan with { ErrorAction = null }));
    }

    [Fact]
    public void Defaults_apply_to_fields_a_hand_written_record_leaves_out()
    {
        var rule = RuleDefinitionJson.TryRead("""{"name":"r","sql":"SELECT * FROM '#'","actions":[{"type":"kafka","target":"x"}]}"""u8)!;

        Assert.Equal((true, 1L, "", 1), (rule.Enabled, rule.Version, rule.Description, rule.Actions[0].Qos));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"name":"r","sql":"SELECT * FROM '#'","actions":[{"type":"sqs","target":"x"}]}""")]
    [InlineData("""{"name":"r","actions":[]}""")]
    public void Bytes_that_are_not_a_rule_read_as_null(string text)
    {
        Assert.Null(RuleDefinitionJson.TryRead(Encoding.UTF8.GetBytes(text)));
    }
}
