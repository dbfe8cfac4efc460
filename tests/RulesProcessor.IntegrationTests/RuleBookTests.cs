using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.RulesProcessor.Modules.Rules;
using Pipeline.RulesSql.Definitions;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>Rules written to iot.rules (as the operator API does) take effect in the running processor, without a restart.</summary>
public sealed class RuleBookTests
{
    [Fact]
    public async Task A_rule_added_changed_disabled_and_deleted_in_the_rules_topic_applies_to_the_next_records()
    {
        await using var stack = new RulesStack("rulebook");
        var output = KafkaFixture.UniqueName("rule-out");
        stack.Kafka.CreateTopics([output], partitions: 2);
        await stack.RegisterAsync("dev-a", ("site", "north"));
        await stack.StartAsync();
        var t0 = RecentMinute();
        var rule = new RuleDefinition
        {
            Name = "hot",
            Sql = "SELECT temperature AS t, attribute('site') AS site FROM 'devices/+/telemetry' WHERE temperature > 30",
            Actions = [RuleActionParser.Parse($"kafka:{output}")],
        };

        await PutAsync(stack, rule);
        await SendAndWaitAsync(stack, Of("dev-a", t0 + 1_000, 1, ("temperature", 35)), 1);
        await PutAsync(stack, rule with { Version = 2, Enabled = false });
        await SendAndWaitAsync(stack, Of("dev-a", t0 + 2_000, 2, ("temperature", 36)), 2);
        await PutAsync(stack, rule with { Version = 3, Sql = "SELECT temperature AS t FROM 'devices/+/telemetry' WHERE temperature > 40" });
        await SendAndWaitAsync(stack, Of("dev-a", t0 + 3_000, 3, ("temperature", 37)), 3);
        await SendAndWaitAsync(stack, Of("dev-a", t0 + 4_000, 4, ("temperature", 41)), 4);
        await stack.ProduceAsync(stack.Topics.Rules, "hot", null!);
        await Eventually.HoldsAsync(() => !Book(stack).Current.TryGet("hot", out _), TimeSpan.FromSeconds(30), "the rule deleted");
        await SendAndWaitAsync(stack, Of("dev-a", t0 + 5_000, 5, ("temperature", 50)), 5);

        var results = await stack.ReadMessagesUntilAsync(output, r => r.Count >= 2, "2 rule outputs");
        Assert.Equal(["""{"t":35,"site":"north"}""", """{"t":41}"""], results.Select(r => Encoding.UTF8.GetString(r.Value)));
        Assert.Equal(["hot:1", "hot:3"], results.Select(r => Encoding.UTF8.GetString(r.Headers.GetLastBytes("iot-rule"))));
        Assert.All(results, r => Assert.Equal("dev-a", r.Key));
    }

    [Fact]
    public async Task A_stored_rule_that_cannot_be_read_is_counted_and_the_processor_keeps_running()
    {
        await using var stack = new RulesStack("rulebook-bad");
        await stack.StartAsync();

        await stack.ProduceAsync(stack.Topics.Rules, "broken", Encoding.UTF8.GetBytes("{not json"));
        await stack.ProduceAsync(stack.Topics.Rules, "bad-sql", RuleDefinitionJson.ToBytes(new RuleDefinition
        {
            Name = "bad-sql", Sql = "SELECT nosuch(1) FROM '#'", Actions = [RuleActionParser.Parse("kafka:x")],
        }));

        var metrics = stack.Service!.Services.GetRequiredService<Topology.RulesMetrics>();
        await Eventually.HoldsAsync(() => metrics.Rules.RefusedCount >= 2, TimeSpan.FromSeconds(30), "2 refused rules counted");
        Assert.Equal(0, Book(stack).Current.Count);
        using var http = new HttpClient { BaseAddress = new Uri(stack.HttpUrl) };
        await Eventually.HoldsAsync(async () => (await http.GetAsync("/healthz")).StatusCode, s => s == System.Net.HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "/healthz answers 200: the stream runs");
    }

    /// <summary>Sends a reading and waits until it came out of the telemetry chain: the rules have seen it by then.</summary>
    private static async Task SendAndWaitAsync(RulesStack stack, Contracts.TelemetryRecord record, int enriched)
    {
        await stack.SendAsync(record);
        await stack.ReadUntilAsync<Contracts.EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count >= enriched, $"{enriched} enriched records");
    }

    private static RuleBook Book(RulesStack stack) => stack.Service!.Services.GetRequiredService<RuleBook>();

    /// <summary>Writes the rule as the operator API does and waits until the processor has it.</summary>
    private static async Task PutAsync(RulesStack stack, RuleDefinition rule)
    {
        await stack.ProduceAsync(stack.Topics.Rules, rule.Name, RuleDefinitionJson.ToBytes(rule));
        await Eventually.HoldsAsync(() => Book(stack).Current.TryGet(rule.Name, out var loaded) && loaded.Version == rule.Version,
            TimeSpan.FromSeconds(30), $"rule {rule.Name} version {rule.Version} loaded");
    }
}
