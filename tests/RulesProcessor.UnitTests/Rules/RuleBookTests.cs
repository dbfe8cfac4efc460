using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.RulesProcessor.Modules.Rules;
using Pipeline.RulesSql.Definitions;
using Prometheus;
using static Pipeline.RulesProcessor.UnitTests.Rules.RulesHarness;

namespace Pipeline.RulesProcessor.UnitTests.Rules;

public sealed class RuleBookTests
{
    private readonly RuleMetrics _metrics = new(Metrics.WithCustomRegistry(new CollectorRegistry()));

    [Fact]
    public void A_stored_value_that_is_not_a_valid_rule_is_counted_and_not_run_and_the_others_stay()
    {
        var book = new RuleBook(NullLogger<RuleBook>.Instance, _metrics);
        book.Put(Rule("good", "SELECT * FROM 'devices/+/telemetry'", "kafka:out"));
        book.Put(Rule("bad-sql", "SELECT FROM WHERE", "kafka:out"));
        book.Apply("garbage", Encoding.UTF8.GetBytes("not json {"), tombstone: false);
        book.Apply("other-name", RuleDefinitionJson.ToBytes(Rule("good", "SELECT * FROM '#'", "kafka:out")), tombstone: false);
        book.Apply(null, Encoding.UTF8.GetBytes("{}"), tombstone: false);

        Assert.Equal(["good"], book.Current.Enabled.Select(r => r.Name));
        Assert.Equal(4, _metrics.RefusedCount);
    }

    [Fact]
    public void A_rule_replaced_by_an_invalid_version_stops_running()
    {
        var book = new RuleBook(NullLogger<RuleBook>.Instance, _metrics);
        book.Put(Rule("r", "SELECT * FROM 'devices/+/telemetry'", "kafka:out"));
        book.Put(Rule("r", "SELECT nosuchfunction(1) FROM 'devices/+/telemetry'", "kafka:out") with { Version = 2 });

        Assert.Empty(book.Current.Enabled);
    }

    [Fact]
    public void The_same_version_read_again_keeps_the_compiled_rule()
    {
        var book = new RuleBook(NullLogger<RuleBook>.Instance, _metrics);
        var rule = Rule("r", "SELECT * FROM 'devices/+/telemetry'", "kafka:out");
        book.Put(rule);
        var compiled = book.Current.Enabled[0];
        book.Put(rule);

        Assert.Same(compiled, book.Current.Enabled[0]);
    }
}

public sealed class SecretRedactionTests
{
    [Theory]
    [InlineData("action 1 http:https://hooks.example.com/in?token=s3cret", "action 1 http:https://hooks.example.com/in?…")]
    [InlineData("http://user:pw@example.com/x failed", "http://example.com/x failed")]
    [InlineData("kafka:alerts.hot", "kafka:alerts.hot")]
    public void Url_queries_and_user_info_are_left_out(string text, string redacted) =>
        Assert.Equal(redacted, Pipeline.RulesProcessor.Modules.Rules.SecretRedaction.Redact(text));
}
