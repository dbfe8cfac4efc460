using System.Text.Json.Nodes;
using Pipeline.RulesSql.Values;
using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

public sealed class ValueModelTests
{
    [Fact]
    public void Json_round_trips_through_the_value_model()
    {
        const string json = """{"a":1,"b":-2.5,"c":"x\u00e9\"","d":[true,false,null],"e":{"f":{}},"g":[]}""";
        Assert.Equal("""{"a":1,"b":-2.5,"c":"xé\"","d":[true,false,null],"e":{"f":{}},"g":[]}""", SqlJson.ToJsonString(SqlJson.Parse(json)));
    }

    [Fact]
    public void A_duplicate_json_key_keeps_the_last_value()
    {
        Assert.Equal("""{"a":2}""", SqlJson.ToJsonString(SqlJson.Parse("""{"a":1,"a":2}""")));
    }

    [Fact]
    public void Numbers_beyond_64_bits_are_decimals()
    {
        Assert.Equal(SqlValueKind.Decimal, SqlJson.Parse("123456789012345678901234567890").Kind);
    }

    [Fact]
    public void A_message_that_is_not_an_object_is_a_json_error()
    {
        Assert.Throws<System.Text.Json.JsonException>(() => SqlJson.ParseObject("[1]"));
    }

    [Fact]
    public void Rules_evaluate_system_text_json_objects_and_raw_bytes_alike()
    {
        var rule = RuleSql.Compile("SELECT t * 2 AS t2, s FROM 'devices/+/telemetry' WHERE t > 1");
        var node = (JsonObject)JsonNode.Parse("""{"t":1.5,"s":"x"}""")!;
        Assert.Equal("""{"t2":3,"s":"x"}""", rule.Evaluate(node, Context())!.ToJsonString());
        Assert.Equal("""{"t2":3,"s":"x"}""", System.Text.Encoding.UTF8.GetString(rule.Evaluate("""{"t":1.5,"s":"x"}"""u8, Context())!.ToJsonBytes()));
    }

    [Fact]
    public void A_compiled_rule_exposes_its_filter_and_text()
    {
        var rule = RuleSql.Compile("SELECT * FROM 'devices/+/events'");
        Assert.Equal("devices/+/events", rule.TopicFilter.Text);
        Assert.True(rule.Matches("devices/a/events"));
        Assert.False(rule.Matches("devices/a/telemetry"));
    }

    [Fact]
    public void A_compiled_rule_gives_the_same_answers_from_many_threads()
    {
        var rule = RuleSql.Compile("SELECT v * 2 AS d, topic(2) AS id FROM '#' WHERE v % 2 = 0");
        var wrong = 0;
        Parallel.For(0, 10_000, i =>
        {
            var result = rule.Evaluate(SqlJson.ParseObject($"{{\"v\":{i}}}"), Context($"devices/d{i}/telemetry"));
            var ok = i % 2 == 0 ? result is not null && result["d"].AsInt == i * 2 && result["id"].AsString == $"d{i}" : result is null;
            if (!ok) Interlocked.Increment(ref wrong);
        });
        Assert.Equal(0, wrong);
    }
}
