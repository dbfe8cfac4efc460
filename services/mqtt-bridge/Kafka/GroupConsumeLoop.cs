using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Kafka;

/// <summary>
/// The bridge's consumers of cloud-to-device topics (commands, shadow answers): a member of one group, reading one
/// topic from the earliest offset when the group has none, handing each record to a handler on this thread and
/// storing its offset only after the handler finished (auto-commit then commits stored offsets), so a crash
/// delivers again at most the record in hand. Runs until <c>stoppingToken</c> fires, then leaves the group.
/// </summary>
public sealed class GroupConsumeLoop(KafkaClientFactory kafka, ILogger logger)
{
    /// <param name="name">For log lines and the client id, e.g. "commands".</param>
    public async Task RunAsync(string name, string groupId, string topic,
        Func<ConsumeResult<string?, byte[]?>, Task> handle, CancellationToken stoppingToken)
    {
        var config = kafka.GroupConsumerConfig(name, groupId);
        config.FetchWaitMaxMs = kafka.Options.FetchWaitMaxMs;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = false;
        using var consumer = kafka.CreateConsumer<string?, byte[]?>(config,
            b => b.SetErrorHandler((_, e) => logger.LogWarning("Kafka consumer {Name}: {Reason}", name, kafka.Redact(e.Reason))));
        consumer.Subscribe(topic);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException e)
                {
                    logger.LogWarning("Kafka consumer {Name}: {Reason}", name, kafka.Redact(e.Error.Reason));
                    continue;
                }
                if (result?.Message is null)
                    continue;
                await handle(result).ConfigureAwait(false);
                consumer.StoreOffset(result);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            consumer.Close();
        }
    }
}
