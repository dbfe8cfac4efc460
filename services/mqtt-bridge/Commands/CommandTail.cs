using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Reads iot.commands from the end it had when this instance started: every partition assigned at its high
/// watermark, no consumer group, nothing committed. Every instance thus sees every new command exactly once (no
/// rebalance can hand a partition over and deliver a command again), and a new instance never replays the history.
/// Which instance acts on a command is decided by <see cref="CommandResponsibility"/>.
/// </summary>
public sealed class CommandTail(KafkaClientFactory kafka, string topic, ILogger logger)
{
    private volatile bool _positioned;

    /// <summary>True once every partition is assigned at its end: a command written from now on is seen.</summary>
    public bool IsPositioned => _positioned;

    public async Task RunAsync(Func<ConsumeResult<string?, byte[]?>, Task> handle, CancellationToken stop)
    {
        var config = kafka.ReaderConfig("commands");
        config.FetchWaitMaxMs = kafka.Options.FetchWaitMaxMs;
        config.AutoOffsetReset = AutoOffsetReset.Latest;
        using var consumer = kafka.CreateConsumer<string?, byte[]?>(config,
            b => b.SetErrorHandler((_, e) => logger.LogWarning("Kafka consumer commands: {Reason}", kafka.Redact(e.Reason))));
        try
        {
            await PositionAtEndAsync(consumer, stop).ConfigureAwait(false);
            while (!stop.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(stop);
                }
                catch (ConsumeException e)
                {
                    logger.LogWarning("Kafka consumer commands: {Reason}", kafka.Redact(e.Error.Reason));
                    continue;
                }
                if (result?.Message is not null)
                    await handle(result).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    private async Task PositionAtEndAsync(IConsumer<string?, byte[]?> consumer, CancellationToken stop)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            try
            {
                var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single();
                if (metadata.Error.Code == ErrorCode.NoError && metadata.Partitions.Count > 0)
                {
                    var ends = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId))
                        .Select(tp => new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High))
                        .ToList();
                    consumer.Assign(ends);
                    _positioned = true;
                    logger.LogInformation("Reading {Topic} from its end ({Partitions} partitions)", topic, ends.Count);
                    return;
                }
                logger.LogWarning("Waiting to read {Topic}: {Reason}", topic, metadata.Error.Reason);
            }
            catch (KafkaException e)
            {
                logger.LogWarning("Waiting to read {Topic}: {Reason}", topic, kafka.Redact(e.Error.Reason));
            }
            await Task.Delay(delay, stop).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(2000, delay.TotalMilliseconds * 2));
        }
    }
}
