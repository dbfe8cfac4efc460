using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// Keeps the <see cref="RuleBook"/> in step with iot.rules: every instance reads the whole compacted topic from its
/// beginning (no group), so a rule added, changed, disabled or deleted takes effect on every processor within the
/// follower's poll, without a restart.
/// </summary>
public sealed class RuleBookFollower(RuleBook book, KafkaClientFactory kafka, IOptions<KafkaTopics> topics, ILogger<RuleBookFollower> logger)
    : BackgroundService
{
    private CompactedTopicFollower? _follower;

    /// <summary>Where the follower is (waiting for the topic, catching up, following).</summary>
    public string Status => _follower?.Status ?? "not started";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var topic = topics.Value.Rules;
        _follower = new CompactedTopicFollower(kafka, topic, "rules-follower", logger);
        // A thread of its own: the follower blocks in Consume.
        return Task.Factory.StartNew(() => _follower.Run(
                r => book.Apply(r.Message.Key, r.Message.Value, tombstone: r.Message.Value is null),
                () =>
                {
                    logger.LogInformation("Read {Topic}: {Count} rules, {Enabled} enabled", topic, book.Current.Count, book.Current.Enabled.Length);
                    return $"following {topic}";
                },
                stoppingToken),
            stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}
