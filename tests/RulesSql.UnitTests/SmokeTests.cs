using static Pipeline.RulesSql.UnitTests.RuleTestHelpers;

namespace Pipeline.RulesSql.UnitTests;

public sealed class SmokeTests
{
    [Fact]
    public void A_rule_selects_and_filters_a_telemetry_message()
    {
        Assert.Equal("""{"temperature":30.5,"deviceId":"sensor-1"}""",
            Run("SELECT temperature, topic(2) AS deviceId FROM 'devices/+/telemetry' WHERE temperature > 25", """{"temperature":30.5,"humidity":40}"""));
    }
}
