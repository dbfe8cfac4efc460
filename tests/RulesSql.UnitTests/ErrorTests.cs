using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

public sealed class ErrorTests
{
    [Fact]
    public void An_unknown_function_is_refused_with_its_position_and_a_suggestion()
    {
        var error = Refused("SELECT temperature, lowr(mode) FROM 'devices/+/telemetry'");
        Assert.Equal("line 1, column 21: unknown function 'lowr' (did you mean 'lower'?)", error.Message);
        Assert.Equal((1, 21), (error.Line, error.Column));
    }

    [Fact]
    public void An_unknown_function_far_from_every_name_gets_no_suggestion()
    {
        Assert.Equal("unknown function 'frobnicate'", Refused("SELECT frobnicate(1) FROM '#'").Reason);
    }

    [Fact]
    public void Positions_count_lines_and_columns_from_one()
    {
        var error = Refused("SELECT a\nFROM '#'\nWHERE  uppr(a) = 'X'");
        Assert.Equal((3, 8), (error.Line, error.Column));
        Assert.Contains("did you mean 'upper'?", error.Reason);
    }

    [Theory]
    [InlineData("SELECT lower(a, b) FROM '#'", 8, "lower() takes 1 argument, but was given 2")]
    [InlineData("SELECT topic(1, 2) FROM '#'", 8, "topic() takes 0 to 1 arguments, but was given 2")]
    [InlineData("SELECT clientid(1) FROM '#'", 8, "clientid() takes 0 arguments, but was given 1")]
    [InlineData("SELECT coalesce() FROM '#'", 8, "coalesce() takes at least 1 argument, but was given 0")]
    [InlineData("SELECT substring('a') FROM '#'", 8, "substring() takes 2 to 3 arguments, but was given 1")]
    public void Wrong_argument_counts_are_refused(string sql, int column, string reason)
    {
        var error = Refused(sql);
        Assert.Equal(column, error.Column);
        Assert.Equal(reason, error.Reason);
    }

    [Theory]
    [InlineData("SELECT abs('x') FROM '#'", 12, "abs() expects a number, but 'x' is not one")]
    [InlineData("SELECT sqrt(true) FROM '#'", 13, "sqrt() expects a number, but true is not one")]
    [InlineData("SELECT lower({'a': 1}) FROM '#'", 14, "lower() expects a string, but an object is not one")]
    [InlineData("SELECT length(5) FROM '#'", 15, "length() expects a string or an array, but 5 is not one")]
    [InlineData("SELECT topic(0) FROM '#'", 14, "topic(n) counts topic levels from 1")]
    [InlineData("SELECT topic(1.5) FROM '#'", 14, "topic(n) counts topic levels from 1")]
    [InlineData("SELECT 'a' * 2 FROM '#'", 8, "'*' needs numbers, but 'a' is not a number")]
    [InlineData("SELECT -'a' FROM '#'", 9, "'-' needs numbers, but 'a' is not a number")]
    [InlineData("SELECT * FROM '#' WHERE a AND 5", 31, "AND needs true or false, but 5 is neither")]
    [InlineData("SELECT * FROM '#' WHERE 'abc'", 25, "WHERE needs a condition (true or false), but 'abc' is neither")]
    [InlineData("SELECT cast(a AS Integr) FROM '#'", 18, "unknown type 'Integr' in cast")]
    [InlineData("SELECT get_thing_shadow('x', 'y') FROM '#'", 8, "get_thing_shadow is not supported")]
    public void Type_errors_visible_in_the_statement_are_refused(string sql, int column, string reason)
    {
        var error = Refused(sql);
        Assert.Equal(column, error.Column);
        Assert.StartsWith(reason, error.Reason);
    }

    [Fact]
    public void A_numeric_string_is_a_number_for_math_functions_as_in_aws()
    {
        Assert.Equal("5", Show("abs('-5')"));
    }

    [Theory]
    [InlineData("", 1, "the statement is empty")]
    [InlineData("SELEC * FROM '#'", 1, "expected a statement starts with SELECT")]
    [InlineData("SELECT FROM '#'", 8, "expected an expression or * in the SELECT list, found FROM")]
    [InlineData("SELECT a b FROM '#'", 10, "expected FROM after the SELECT list")]
    [InlineData("SELECT a FROM devices", 15, "expected the topic filter as a quoted string")]
    [InlineData("SELECT a FROM '#' WHERE", 24, "expected an expression, found the end of the text")]
    [InlineData("SELECT a FROM '#' WHERE a = 1 b", 31, "expected the end of the statement, found 'b'")]
    [InlineData("SELECT (a FROM '#'", 11, "expected ')', found 'FROM'")]
    [InlineData("SELECT 'abc FROM '#'", 19, "unexpected character '#'")]
    [InlineData("SELECT a FROM '#' WHERE name = 'abc", 32, "unterminated string")]
    [InlineData("SELECT a FROM '#", 15, "unterminated string")]
    [InlineData("SELECT a ; FROM '#'", 10, "unexpected character ';'")]
    [InlineData("SELECT a AS FROM '#'", 13, "expected a name after AS, found 'FROM'")]
    [InlineData("SELECT {'a' 1} FROM '#'", 13, "expected ':' after the field name 'a'")]
    [InlineData("SELECT {'a': 1, 'a': 2} FROM '#'", 17, "the field 'a' appears twice")]
    [InlineData("SELECT CASE WHEN a THEN 1 FROM '#'", 27, "expected END to close the CASE")]
    [InlineData("SELECT CASE END FROM '#'", 13, "expected WHEN after CASE")]
    [InlineData("SELECT a IS 5 FROM '#'", 13, "expected NULL or UNDEFINED after IS")]
    [InlineData("SELECT a BETWEEN 1 OR 2 FROM '#'", 20, "expected AND between the two bounds of BETWEEN")]
    [InlineData("SELECT 12abc FROM '#'", 10, "unexpected 'a' right after the number 12")]
    [InlineData("SELECT 'a\\q' FROM '#'", 10, "unknown escape '\\q'")]
    [InlineData("SELECT where FROM '#'", 8, "expected an expression, found the keyword WHERE")]
    public void Syntax_errors_say_what_was_expected_and_where(string sql, int column, string reason)
    {
        var error = Refused(sql);
        Assert.Equal(column, error.Column);
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void A_null_statement_is_refused_like_an_empty_one()
    {
        Assert.Equal("line 1, column 1: the statement is empty: expected SELECT ... FROM '<topic filter>'", Refused(null!).Message);
    }
}
