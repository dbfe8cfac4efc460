using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.RulesProcessor.Modules.Rules;
using Pipeline.RulesProcessor.Topology;
using Pipeline.RulesSql.Definitions;
using Prometheus;

namespace Pipeline.RulesProcessor.UnitTests.Rules;

/// <summary>The processor's topology with enrich and the rules module, and the rule book the test changes between records.</summary>
public sealed class RulesHarness : IDisposable
{
    public RulesHarness(params RuleDefinition[] rules)
    {
        var metrics = new RulesMetrics(new CollectorRegistry());
        Book = new RuleBook(NullLogger<RuleBook>.Instance, metrics.Rules);
        foreach (var rule in rules)
            Book.Put(rule);
        Topology = new TopologyHarness(
            [TopologyHarness.Enrich(), new RulesModule(Book, Options.Create(new RuleActionOptions()))], metrics: metrics);
    }

    public RuleBook Book { get; }

    public TopologyHarness Topology { get; }

    public RuleMetrics Metrics => Topology.Metrics.Rules;

    public static RuleDefinition Rule(string name, string sql, params string[] actions) => new()
    {
        Name = name,
        Sql = sql,
        Actions = actions.Select(a => RuleActionParser.Parse(a)).ToList(),
    };

    public void Dispose() => Topology.Dispose();
}
