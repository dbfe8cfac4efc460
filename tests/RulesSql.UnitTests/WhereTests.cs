using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

public sealed class WhereTests
{
    [Theory]
    [InlineData("temperature > 25", true)]
    [InlineData("temperature > 35", false)]
    [InlineData("missing > 25", false)]                 // Undefined drops
    [InlineData("temperature = 'hot'", false)]          // incompatible types: Undefined drops
    [InlineData("NOT missing > 25", false)]             // NOT Undefined is Undefined
    [InlineData("'true'", true)]                        // AWS: "true" strings are booleans for logic
    [InlineData("temperature", false)]                  // a number is not true
    [InlineData("mode = 'eco' AND temperature >= 30.5", true)]
    [InlineData("mode = 'turbo' OR temperature < 31", true)]
    public void Only_a_where_that_is_true_keeps_the_message(string where, bool kept)
    {
        var result = Run($"SELECT mode FROM '#' WHERE {where}", """{"temperature":30.5,"mode":"eco"}""");
        Assert.Equal(kept, result is not null);
    }

    [Fact]
    public void Three_condition_rule_from_the_docs()
    {
        const string sql = "SELECT * FROM 'devices/+/telemetry' WHERE temperature > 30 AND humidity BETWEEN 20 AND 60 AND attribute('site') IN ('plant-1', 'plant-2')";
        var site = Context(attributes: new Dictionary<string, string> { ["site"] = "plant-1" });
        Assert.NotNull(Run(sql, """{"temperature":31,"humidity":40}""", site));
        Assert.Null(Run(sql, """{"temperature":31,"humidity":70}""", site));
        Assert.Null(Run(sql, """{"temperature":31,"humidity":40}""", Context()));
    }
}
