using System.Text;
using Pipeline.MqttBridge.RulesApi;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.MqttBridge.UnitTests.RulesApi;

public sealed class RuleBodyTests
{
    private static RuleBody Parse(string json) => RuleBody.Parse(Encoding.UTF8.GetBytes(json));

    private static string Refusal(string json) => Assert.Throws<RuleDefinitionException>(() => Parse(json)).Message;

    [Fact]
    public void Actions_may_be_type_target_strings_or_objects_and_the_top_qos_applies_to_the_strings()
    {
        var body = Parse("""
            {"sql":"SELECT * FROM 'a'","qos":0,"description":"d","enabled":false,
             "actions":["republish:devices/${topic(2)}/commands",{"type":"http","target":"https://h.example/x","qos":1}],
             "errorAction":"kafka:errors"}
            """);

        Assert.Equal((RuleActionType.Republish, 0), (body.Actions[0].Type, body.Actions[0].Qos));
        Assert.Equal((RuleActionType.Http, "https://h.example/x"), (body.Actions[1].Type, body.Actions[1].Target));
        Assert.Equal(("kafka:errors", "d", false), (body.ErrorAction!.ToString(), body.Description, body.Enabled));
    }

    [Fact]
    public void Left_out_fields_take_their_defaults()
    {
        var body = Parse("""{"sql":"SELECT * FROM 'a'","actions":["kafka:x"]}""");

        Assert.Equal((null, null, "", true, 1), (body.Name, body.ErrorAction, body.Description, body.Enabled, body.Actions[0].Qos));
    }

    [Theory]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":["kafka:x"],"action":"kafka:y"}""", "unknown field 'action'")]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":[{"type":"kafka","target":"x","key":"k"}]}""", "unknown action field 'key'")]
    [InlineData("""{"actions":["kafka:x"]}""", "'sql' is required")]
    [InlineData("""{"sql":"SELECT * FROM 'a'"}""", "'actions' is required")]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":"kafka:x"}""", "'actions' must be a list")]
    [InlineData("""{"sql":7,"actions":["kafka:x"]}""", "'sql' must be a string")]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":["kafka:x"],"enabled":"yes"}""", "'enabled' must be true or false")]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":["kafka:x"],"qos":0.5}""", "'qos' must be a whole number")]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":[{"target":"x"}]}""", "needs a 'type'")]
    [InlineData("""[1]""", "must be a JSON object")]
    [InlineData("""{"sql":""", "not JSON")]
    public void A_body_that_is_not_a_rule_is_refused_naming_the_field(string json, string reason)
    {
        Assert.Contains(reason, Refusal(json));
    }
}
