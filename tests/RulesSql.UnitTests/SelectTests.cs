using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

public sealed class SelectTests
{
    private const string Message = """{"temperature":30.5,"seq":7,"state":{"reported":{"fan":1,"mode":"eco"}},"tags":["a","b"]}""";

    [Fact]
    public void Star_returns_the_whole_message()
    {
        Assert.Equal(Message, Run("SELECT * FROM 'devices/+/telemetry'", Message));
    }

    [Fact]
    public void Star_mixed_with_expressions_adds_fields_after_the_message()
    {
        Assert.Equal("""{"seq":7,"deviceId":"sensor-1"}""", Run("SELECT *, topic(2) AS deviceId FROM '#'", """{"seq":7}"""));
    }

    [Fact]
    public void A_later_item_with_the_same_name_replaces_the_earlier_value_in_place()
    {
        Assert.Equal("""{"seq":8,"t":1}""", Run("SELECT *, seq + 1 AS seq FROM '#'", """{"seq":7,"t":1}"""));
    }

    [Fact]
    public void Nested_fields_are_named_after_their_last_part()
    {
        Assert.Equal("""{"fan":1,"mode":"eco"}""", Run("SELECT state.reported.fan, state.reported.mode FROM '#'", Message));
    }

    [Fact]
    public void Path_star_flattens_an_object_into_the_result()
    {
        Assert.Equal("""{"fan":1,"mode":"eco"}""", Run("SELECT state.reported.* FROM '#'", Message));
    }

    [Fact]
    public void Items_without_a_name_get_the_function_name_or_their_position()
    {
        Assert.Equal("""{"upper":"ECO","_2":31.5,"cast":30}""",
            Run("SELECT upper(state.reported.mode), temperature + 1, cast(temperature AS Int) FROM '#'", Message));
    }

    [Fact]
    public void An_undefined_item_is_left_out_of_the_result()
    {
        Assert.Equal("""{"seq":7}""", Run("SELECT seq, missing, missing.deeper AS d, temperature + state.reported.mode AS bad FROM '#'", Message));
    }

    [Fact]
    public void A_json_null_field_is_kept_as_null()
    {
        Assert.Equal("""{"a":null}""", Run("SELECT a, b FROM '#'", """{"a":null}"""));
    }

    [Fact]
    public void Object_construction_builds_nested_json_and_leaves_out_undefined_fields()
    {
        Assert.Equal("""{"cmd":{"fan":"on","level":2,"device":"sensor-1"}}""",
            Run("SELECT {'fan': 'on', 'level': 1 + 1, 'device': clientid(), 'nothing': nope} AS cmd FROM '#'"));
    }

    [Fact]
    public void Array_literals_and_indexing()
    {
        Assert.Equal("""{"arr":[1,"two",true,null],"first":"a","byName":1}""",
            Run("SELECT [1, 'two', true, null] AS arr, tags[0] AS first, state.reported['fan'] AS byName FROM '#'", Message));
        Assert.Equal("undefined", Show("tags[5]", Message));
        Assert.Equal("undefined", Show("tags[-1]", Message));
    }

    [Fact]
    public void Literals_of_every_type()
    {
        Assert.Equal("""{"i":42,"d":2.5,"e":1500,"s":"it's","t":true,"f":false,"n":null}""",
            Run("SELECT 42 AS i, 2.5 AS d, 1.5e3 AS e, 'it\\'s' AS s, TRUE AS t, false AS f, NULL AS n FROM '#'"));
    }

    [Fact]
    public void String_escapes_include_a_doubled_quote_and_unicode()
    {
        Assert.Equal("it's \u00e9\n", Eval(@"'it''s \u00e9\n'").AsString);
    }

    [Fact]
    public void Quoted_names_reach_fields_that_are_keywords_or_have_dashes()
    {
        Assert.Equal("""{"from":1,"x":2}""", Run("SELECT \"from\", \"a-b\" AS x FROM '#'", """{"from":1,"a-b":2}"""));
    }

    [Fact]
    public void Keywords_and_function_names_are_case_insensitive()
    {
        Assert.Equal("""{"v":"A"}""", Run("select UPPER(a) as v from '#' where A_FIELD is undefined", """{"a":"a"}"""));
    }

    [Fact]
    public void Whole_decimals_in_the_message_are_ints_as_in_sql_2016_03_23()
    {
        Assert.Equal("Int", Eval("x", """{"x":10.0}""").Kind.ToString());
        Assert.Equal("Decimal", Eval("x", """{"x":10.5}""").Kind.ToString());
    }

    [Fact]
    public void Statements_may_span_lines()
    {
        Assert.Equal("""{"seq":7}""", Run("SELECT seq\nFROM 'devices/+/telemetry'\nWHERE seq > 1", Message));
    }
}
