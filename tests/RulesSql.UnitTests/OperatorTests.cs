using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

public sealed class OperatorTests
{
    private const string M = """{"i":7,"d":2.5,"s":"abc","n":"12","b":true,"z":null,"arr":[1,2,3],"o":{"k":1}}""";

    [Theory]
    [InlineData("i + 1", "8")]
    [InlineData("i - 10", "-3")]
    [InlineData("i * d", "17.5")]
    [InlineData("i / 7", "1")]
    [InlineData("i / 2", "3.5")]            // divergence: AWS divides Ints as Ints (3)
    [InlineData("i % 4", "3")]
    [InlineData("-i % 4", "-3")]
    [InlineData("d % 1", "0.5")]
    [InlineData("n + 1", "13")]            // a numeric string is converted
    [InlineData("-d", "-2.5")]
    [InlineData("- - i", "7")]
    [InlineData("2 + 3 * 4", "14")]
    [InlineData("(2 + 3) * 4", "20")]
    [InlineData("9223372036854775807 + 1", "9.223372036854776E+18")] // past 64 bits: Decimal
    public void Arithmetic(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("missing + 1")]
    [InlineData("s + 1")]
    [InlineData("z + 1")]
    [InlineData("b * 2")]
    [InlineData("arr - 1")]
    [InlineData("i / 0")]
    [InlineData("d / 0")]
    [InlineData("i % 0")]
    [InlineData("-s")]
    [InlineData("-missing")]
    public void Arithmetic_on_what_is_not_a_number_is_undefined(string expression) => Assert.Equal("undefined", Show(expression, M));

    [Theory]
    [InlineData("i = 7", "true")]
    [InlineData("i = 7.0", "true")]
    [InlineData("d = 2.5", "true")]
    [InlineData("n = 12", "true")]          // numeric string against a number
    [InlineData("s = 'abc'", "true")]
    [InlineData("s <> 'abd'", "true")]
    [InlineData("s != 'abc'", "false")]
    [InlineData("i < 8", "true")]
    [InlineData("i <= 7", "true")]
    [InlineData("i > d", "true")]
    [InlineData("i >= 7.5", "false")]
    [InlineData("s < 'abd'", "true")]       // two strings: by text
    [InlineData("n > 9", "true")]
    [InlineData("arr = [1, 2, 3]", "true")]
    [InlineData("o = {'k': 1}", "true")]
    [InlineData("b = true", "true")]
    [InlineData("z = NULL", "true")]
    public void Comparisons(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("s = 1")]
    [InlineData("b = 1")]
    [InlineData("s > 1")]
    [InlineData("b > false")]
    [InlineData("arr > 1")]
    [InlineData("missing = 1")]
    [InlineData("missing <> 1")]
    [InlineData("z = 0")]
    public void Comparing_incompatible_types_is_undefined(string expression) => Assert.Equal("undefined", Show(expression, M));

    [Theory]
    [InlineData("b AND i > 1", "true")]
    [InlineData("b AND i > 9", "false")]
    [InlineData("NOT b", "false")]
    [InlineData("NOT 'FALSE'", "true")]
    [InlineData("b OR missing", "true")]
    [InlineData("i > 9 AND missing", "false")]  // false AND anything is false
    [InlineData("i > 9 OR missing", "undefined")]
    [InlineData("b AND missing", "undefined")]
    [InlineData("NOT missing", "undefined")]
    [InlineData("NOT i", "undefined")]
    [InlineData("NOT NOT b", "true")]
    [InlineData("i > 1 OR i > 2 AND false", "true")] // AND binds tighter than OR
    public void Logic(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("i IN (1, 7, 9)", "true")]
    [InlineData("i IN (1, 2)", "false")]
    [InlineData("i NOT IN (1, 2)", "true")]
    [InlineData("s IN ('x', 'abc')", "true")]
    [InlineData("2 IN arr", "true")]
    [InlineData("5 IN [1, 5]", "true")]
    [InlineData("i IN arr", "false")]
    [InlineData("missing IN (1, 2)", "undefined")]
    [InlineData("i IN s", "undefined")]
    [InlineData("i BETWEEN 5 AND 10", "true")]
    [InlineData("i BETWEEN 8 AND 10", "false")]
    [InlineData("i NOT BETWEEN 8 AND 10", "true")]
    [InlineData("d BETWEEN 2.5 AND 2.5", "true")]
    [InlineData("s BETWEEN 'a' AND 'b'", "true")]
    [InlineData("missing BETWEEN 1 AND 2", "undefined")]
    [InlineData("s BETWEEN 1 AND 2", "undefined")]
    public void In_and_between(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("z IS NULL", "true")]
    [InlineData("z IS NOT NULL", "false")]
    [InlineData("missing IS NULL", "false")]
    [InlineData("missing IS UNDEFINED", "true")]
    [InlineData("z IS UNDEFINED", "false")]
    [InlineData("i IS NOT UNDEFINED", "true")]
    [InlineData("(i + missing) IS UNDEFINED", "true")]
    public void Is_null_and_is_undefined_are_never_undefined(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("s || '-' || i", "\"abc-7\"")]
    [InlineData("s || d", "\"abc2.5\"")]
    [InlineData("s || b", "\"abctrue\"")]
    [InlineData("arr || 4", "[1,2,3,4]")]
    [InlineData("arr || [5]", "[1,2,3,5]")]
    [InlineData("s || missing", "undefined")]
    [InlineData("s || z", "undefined")]
    public void Concatenation_operator(string expression, string expected) => Assert.Equal(expected, Show(expression, M));

    [Theory]
    [InlineData("CASE WHEN i > 5 THEN 'big' ELSE 'small' END", "\"big\"")]
    [InlineData("CASE WHEN i > 50 THEN 'big' WHEN i > 6 THEN 'mid' END", "\"mid\"")]
    [InlineData("CASE WHEN i > 50 THEN 'big' END", "undefined")]
    [InlineData("CASE s WHEN 'x' THEN 1 WHEN 'abc' THEN 2 ELSE 3 END", "2")]
    [InlineData("CASE missing WHEN 1 THEN 1 ELSE 0 END", "0")]
    [InlineData("CASE WHEN missing THEN 1 ELSE 0 END", "0")]
    public void Case_expressions(string expression, string expected) => Assert.Equal(expected, Show(expression, M));
}
