using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.RulesProcessor.Modules.Dedupe;
using Pipeline.RulesProcessor.Modules.Enrich;
using Pipeline.RulesProcessor.Modules.Rules;
using Pipeline.RulesProcessor.Modules.Validate;
using Pipeline.RulesProcessor.Topology;
using Pipeline.RulesSql.Definitions;
using Prometheus;

namespace Pipeline.RulesProcessor.Benchmarks;

/// <summary>
/// The rules-cost variants: validate, dedupe, enrich and the rules module with 0, 1 or 10 enabled operator rules.
/// Half the rules (rounded up) match the telemetry's topic and evaluate a WHERE on every record (temperature above 85:
/// about one record in fourteen of the benchmark's data), writing a kafka action's JSON; the other half filter device
/// events, so a telemetry record only pays their topic match.
/// </summary>
internal static class RuleVariants
{
    public static readonly IReadOnlyList<string> Names = ["rules-0", "rules-1", "rules-10"];

    public static int RuleCount(string variant) => int.Parse(variant["rules-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The variant's rules: even ones match the telemetry topic, odd ones filter device events.</summary>
    public static IEnumerable<RuleDefinition> Definitions(int rules, string actionTopic)
    {
        for (var i = 0; i < rules; i++)
        {
            var matching = i % 2 == 0;
            yield return new RuleDefinition
            {
                Name = $"bench-{i}",
                Sql = matching
                    ? "SELECT temperature, humidity, clientid() AS device FROM 'devices/+/telemetry' WHERE temperature > 85"
                    : "SELECT * FROM 'devices/+/events' WHERE level = 'error'",
                Actions = [RuleActionParser.Parse($"kafka:{actionTopic}")],
            };
        }
    }

    public static IReadOnlyList<ITopologyModule> Modules(int rules, string actionTopic)
    {
        var book = new RuleBook(NullLogger<RuleBook>.Instance, new RuleMetrics(Metrics.WithCustomRegistry(new CollectorRegistry())));
        foreach (var rule in Definitions(rules, actionTopic))
            book.Put(rule);
        return
        [
            new ValidateModule(Options.Create(new ValidateOptions())),
            new DedupeModule(Options.Create(new DedupeOptions())),
            new EnrichModule(),
            new RulesModule(book, Options.Create(new RuleActionOptions())),
        ];
    }
}
