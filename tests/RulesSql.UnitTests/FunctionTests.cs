using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

public sealed class FunctionTests
{
    private const string M = """{"i":-7,"d":-2.5,"s":"  Hello ","n":"-5.25","b":true,"z":null,"arr":[1,2],"o":{"k":1}}""";

    [Theory]
    [InlineData("abs(i)", "7")]
    [InlineData("abs(d)", "2.5")]
    [InlineData("abs(n)", "5.25")]
    [InlineData("abs(b)", "undefined")]
    [InlineData("abs(missing)", "undefined")]
    [InlineData("round(2.5)", "3")]
    [InlineData("round(d)", "-3")]
    [InlineData("round(1.4)", "1")]
    [InlineData("round(i)", "-7")]
    [InlineData("floor(d)", "-3")]
    [InlineData("ceil(d)", "-2")]
    [InlineData("ceil(n)", "-5")]
    [InlineData("floor(s)", "undefined")]
    [InlineData("sqrt(16)", "4")]
    [InlineData("sqrt(2.25)", "1.5")]
    [InlineData("sqrt(i)", "undefined")]
    [InlineData("power(2, 10)", "1024")]
    [InlineData("power(4, 0.5)", "2")]
    [InlineData("power(i, missing)", "undefined")]
    [InlineData("mod(i, 4)", "-3")]
    [InlineData("mod(7.5, 2)", "1.5")]
    [InlineData("mod(7, 0)", "undefined")]
    public void Math_functions(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("lower('AbC')", "\"abc\"")]
    [InlineData("upper(s)", "\"  HELLO \"")]
    [InlineData("upper(d)", "\"-2.5\"")]
    [InlineData("lower(arr)", "undefined")]
    [InlineData("trim(s)", "\"Hello\"")]
    [InlineData("length(s)", "8")]
    [InlineData("length(arr)", "2")]
    [InlineData("length(i)", "undefined")]
    [InlineData("startswith(trim(s), 'He')", "true")]
    [InlineData("startswith(s, 'He')", "false")]
    [InlineData("endswith('sensor-1', '-1')", "true")]
    [InlineData("endswith(missing, 'x')", "undefined")]
    [InlineData("concat('a', 1, true)", "\"a1true\"")]
    [InlineData("concat(arr, 3, [4])", "[1,2,3,4]")]
    [InlineData("concat('a', missing)", "undefined")]
    public void String_functions(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("substring('012345', 0)", "\"012345\"")]
    [InlineData("substring('012345', 2)", "\"2345\"")]
    [InlineData("substring('012345', 2.745)", "\"2345\"")]
    [InlineData("substring(123, 2)", "\"3\"")]
    [InlineData("substring('012345', -1)", "\"012345\"")]
    [InlineData("substring('012345', 1, 3)", "\"12\"")]
    [InlineData("substring('012345', 3, 1)", "\"\"")]
    [InlineData("substring('012345', 1, 99)", "\"12345\"")]
    [InlineData("substring('012345', 9)", "\"\"")]
    [InlineData("substring(missing, 1)", "undefined")]
    public void Substring_takes_a_start_and_an_exclusive_end_like_aws(string expression, string expected) =>
        Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("cast(d AS Int)", "-3")]
    [InlineData("cast(2.9 AS Int)", "2")]
    [InlineData("cast(n AS Int)", "-6")]
    [InlineData("cast(b AS Int)", "1")]
    [InlineData("cast('x' AS Int)", "undefined")]
    [InlineData("cast(i AS Decimal)", "-7")]
    [InlineData("cast(false AS Decimal)", "0")]
    [InlineData("cast(i AS String)", "\"-7\"")]
    [InlineData("cast(o AS String)", "\"{\\\"k\\\":1}\"")]
    [InlineData("cast(z AS String)", "undefined")]
    [InlineData("cast(0 AS Boolean)", "false")]
    [InlineData("cast(d AS Bool)", "true")]
    [InlineData("cast('TRUE' AS boolean)", "true")]
    [InlineData("cast('yes' AS Boolean)", "undefined")]
    public void Cast(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Fact]
    public void Cast_to_decimal_gives_the_decimal_kind()
    {
        Assert.Equal("Decimal", Eval("cast(5 AS Decimal)").Kind.ToString());
    }

    [Theory]
    [InlineData("coalesce(missing, z, 3)", "3")]
    [InlineData("coalesce(missing, z)", "null")]
    [InlineData("coalesce(missing, missing.x)", "undefined")]
    [InlineData("isNull(z)", "true")]
    [InlineData("isNull(missing)", "false")]
    [InlineData("isUndefined(missing)", "true")]
    [InlineData("isUndefined(z)", "false")]
    public void Null_and_undefined_functions(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Fact]
    public void Context_functions_read_the_topic_client_time_and_attributes()
    {
        var context = Context("devices/sensor-9/events", "sensor-9", 1234, new Dictionary<string, string> { ["site"] = "plant-1" });
        Assert.Equal("\"devices/sensor-9/events\"", Show("topic()", context: context));
        Assert.Equal("\"sensor-9\"", Show("topic(2)", context: context));
        Assert.Equal("\"events\"", Show("topic(3)", context: context));
        Assert.Equal("undefined", Show("topic(4)", context: context));
        Assert.Equal("\"sensor-9\"", Show("clientid()", context: context));
        Assert.Equal("1234", Show("timestamp()", context: context));
        Assert.Equal("\"plant-1\"", Show("attribute('site')", context: context));
        Assert.Equal("undefined", Show("attribute('model')", context: context));
        Assert.Equal("undefined", Show("clientid()", context: Context(clientId: null)));
    }

    [Fact]
    public void Newuuid_gives_a_fresh_uuid_per_evaluation()
    {
        var rule = RuleSql.Compile("SELECT newuuid() AS id FROM '#'");
        var first = rule.Evaluate(Values.SqlJson.ParseObject("{}"), Context())!["id"].AsString;
        var second = rule.Evaluate(Values.SqlJson.ParseObject("{}"), Context())!["id"].AsString;
        Assert.True(Guid.TryParse(first, out _));
        Assert.NotEqual(first, second);
    }
}
