using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesSql.Definitions;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.RulesApi;

/// <summary>
/// The stored rules (the compacted iot.rules) in memory, for the rules API's reads and for the version a change
/// starts from. Follows the topic from its beginning without a group, like the registry view, and counts each
/// record it applied so a write can wait until it reads its own record back.
/// </summary>
public sealed class RulesView(KafkaClientFactory kafka, IOptions<KafkaTopics> topics, ILogger<RulesView> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, RuleDefinition> _rules = new(StringComparer.Ordinal);
    // Highest offset applied per partition: a writer knows its record's offset from the delivery report.
    private readonly ConcurrentDictionary<int, long> _applied = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CompactedTopicFollower? _follower;

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Why the view is not ready (waiting for the topic, catching up, a Kafka error).</summary>
    public string Status => _follower?.Status ?? "not started";

    public bool TryGet(string name, out RuleDefinition rule) => _rules.TryGetValue(name, out rule!);

    public IReadOnlyList<RuleDefinition> All() => _rules.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();

    /// <summary>True once the record at <paramref name="offset"/> of <paramref name="partition"/> has been applied.</summary>
    public bool HasApplied(int partition, long offset) => _applied.TryGetValue(partition, out var applied) && applied >= offset;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _follower = new CompactedTopicFollower(kafka, topics.Value.Rules, "rules-view", logger);
        return Task.Factory.StartNew(() => _follower.Run(Apply, MarkReady, stoppingToken),
            stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private string MarkReady()
    {
        logger.LogInformation("Rules view caught up: {Count} rules", _rules.Count);
        _ready.TrySetResult();
        return $"ready ({_rules.Count} rules)";
    }

    private void Apply(ConsumeResult<string?, byte[]?> result)
    {
        try
        {
            if (result.Message.Key is not { Length: > 0 } name)
            {
                logger.LogWarning("Rules record at {Offset} has no key; skipped", result.TopicPartitionOffset);
                return;
            }
            if (result.Message.Value is null)
                _rules.TryRemove(name, out _);
            else if (RuleDefinitionJson.TryRead(result.Message.Value) is { } rule && rule.Name == name)
                _rules[name] = rule;
            else
                logger.LogWarning("Rules record for {Rule} at {Offset} is not a rule definition; skipped", name, result.TopicPartitionOffset);
        }
        finally
        {
            _applied[result.Partition.Value] = result.Offset.Value;
        }
    }
}
