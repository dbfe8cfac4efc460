using System.Text.Json;
using Pipeline.RulesSql.Values;
using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

/// <summary>Statements written to hurt: each is refused with a RuleSqlException, never a stack
/// overflow, an out-of-memory or a hang. Most are also tried with the length limit lifted, so the
/// limit behind it (nesting, literal size, item count) is the one that answers.</summary>
public sealed class HostileStatementTests
{
    private static readonly RuleSqlLimits NoLengthLimit = RuleSqlLimits.Default with { MaxStatementLength = 64 * 1024 * 1024 };

    private static RuleSqlException Refused(string sql, RuleSqlLimits limits) =>
        Assert.Throws<RuleSqlException>(() => RuleSql.Compile(sql, limits));

    private static RuleSqlException RefusedByDefault(string sql) => Assert.Throws<RuleSqlException>(() => RuleSql.Compile(sql));

    private static string Repeat(string part, int times) => string.Concat(Enumerable.Repeat(part, times));

    [Fact]
    public void Ten_thousand_nested_parentheses_are_refused_for_length_by_default()
    {
        var sql = $"SELECT {Repeat("(", 10_000)}1{Repeat(")", 10_000)} AS v FROM '#'";
        var error = RefusedByDefault(sql);
        Assert.Equal($"the text is {sql.Length} characters long; the limit is 16384", error.Reason);
        Assert.Equal(16385, error.Column);
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("abs(", ")")]
    [InlineData("NOT ", "")]
    [InlineData("-", "")]
    [InlineData("{'a': ", "}")]
    [InlineData("[", "]")]
    [InlineData("CASE WHEN true THEN ", " END")]
    public void Ten_thousand_levels_of_nesting_are_refused_at_the_nesting_limit(string open, string close)
    {
        var sql = $"SELECT {Repeat(open, 10_000)}1{Repeat(close, 10_000)} AS v FROM '#'";
        var error = Refused(sql, NoLengthLimit);
        Assert.Equal("the expression is nested deeper than 64 levels", error.Reason);
    }

    [Theory]
    [InlineData(" AND a")]
    [InlineData(" + a")]
    [InlineData(" || a")]
    [InlineData(".a")]
    [InlineData("[0]")]
    public void Long_operator_chains_are_refused_at_the_nesting_limit(string link)
    {
        var error = Refused($"SELECT a{Repeat(link, 10_000)} AS v FROM '#'", NoLengthLimit);
        Assert.Equal("the expression is nested deeper than 64 levels", error.Reason);
    }

    [Fact]
    public void Nesting_within_the_limit_compiles_and_evaluates()
    {
        Assert.Equal("1", Show($"{Repeat("(", 60)}1{Repeat(")", 60)}"));
        Assert.Equal("true", Show($"{Repeat("NOT ", 60)}true"));
    }

    [Fact]
    public void A_one_megabyte_string_literal_is_refused_at_the_literal_limit()
    {
        var sql = $"SELECT '{new string('x', 1024 * 1024)}' AS v FROM '#'";
        Assert.Equal($"the text is {sql.Length} characters long; the limit is 16384", RefusedByDefault(sql).Reason);
        var error = Refused(sql, NoLengthLimit);
        Assert.Equal((1, 8), (error.Line, error.Column));
        Assert.Equal("string longer than 4096 characters", error.Reason);
    }

    [Fact]
    public void A_one_megabyte_number_or_name_is_refused_at_the_literal_limit()
    {
        Assert.Equal("number longer than 4096 characters", Refused($"SELECT {new string('9', 1024 * 1024)} FROM '#'", NoLengthLimit).Reason);
        Assert.Equal("name longer than 4096 characters", Refused($"SELECT {new string('a', 1024 * 1024)} FROM '#'", NoLengthLimit).Reason);
    }

    [Fact]
    public void A_huge_number_that_fits_the_limit_is_refused_as_too_large()
    {
        Assert.StartsWith("the number 1", Refused($"SELECT 1{new string('0', 400)} FROM '#'", NoLengthLimit).Reason);
    }

    [Fact]
    public void A_hundred_thousand_select_items_are_refused_at_the_item_limit()
    {
        var sql = $"SELECT {string.Join(", ", Enumerable.Range(0, 100_000).Select(i => $"f{i}"))} FROM '#'";
        Assert.StartsWith("the text is", RefusedByDefault(sql).Reason);
        Assert.Equal("more than 256 items in the SELECT list", Refused(sql, NoLengthLimit).Reason);
    }

    [Fact]
    public void Huge_in_lists_arguments_and_objects_are_refused_at_the_item_limit()
    {
        var many = string.Join(", ", Enumerable.Range(0, 10_000));
        Assert.Equal("more than 256 items in the IN list", Refused($"SELECT * FROM '#' WHERE a IN ({many})", NoLengthLimit).Reason);
        Assert.Equal("more than 256 arguments", Refused($"SELECT concat({many}) FROM '#'", NoLengthLimit).Reason);
        Assert.Equal("more than 256 items in the array", Refused($"SELECT [{many}] FROM '#'", NoLengthLimit).Reason);
    }

    [Fact]
    public void An_unterminated_string_at_the_end_of_a_long_statement_is_refused()
    {
        var error = RefusedByDefault($"SELECT a FROM '#' WHERE b = '{new string('x', 2000)}");
        Assert.Equal(29, error.Column);
        Assert.StartsWith("unterminated string", error.Reason);
    }

    [Fact]
    public void Many_unknown_functions_report_the_first()
    {
        var sql = $"SELECT {string.Join(", ", Enumerable.Range(0, 200).Select(i => $"nosuch{i}(a)"))} FROM '#'";
        Assert.Equal("line 1, column 8: unknown function 'nosuch0'", RefusedByDefault(sql).Message);
    }

    [Fact]
    public void Control_characters_and_stray_quotes_are_refused_cleanly()
    {
        Assert.Equal("unexpected character '\\u0000'", RefusedByDefault("SELECT a\0 FROM '#'").Reason);
        Assert.StartsWith("unterminated quoted name", RefusedByDefault("SELECT \"a FROM '#'").Reason);
    }

    [Fact]
    public void A_message_nested_deeper_than_json_allows_is_a_json_error_not_a_crash()
    {
        var rule = RuleSql.Compile("SELECT * FROM '#'");
        var deep = Repeat("{\"a\":", 1000) + "1" + Repeat("}", 1000);
        Assert.ThrowsAny<JsonException>(() => rule.Evaluate(System.Text.Encoding.UTF8.GetBytes(deep), Context()));
    }

    [Fact]
    public void A_wide_message_selected_with_star_keeps_every_field()
    {
        var wide = "{" + string.Join(",", Enumerable.Range(0, 5000).Select(i => $"\"m{i}\":{i}")) + "}";
        var result = RuleSql.Compile("SELECT *, 1 AS extra FROM '#'").Evaluate(SqlJson.ParseObject(wide), Context())!;
        Assert.Equal(5001, result.Fields.Count);
        Assert.Equal(4999, result["m4999"].AsInt);
    }
}
