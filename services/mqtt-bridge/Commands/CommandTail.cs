using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Reads iot.commands from the end it had when this instance started (or, when no other instance is live, from
/// when the last one stopped reading: <see cref="Presence.PresenceView.CommandsCatchUpFrom"/>): every partition
/// assigned, no consumer group, nothing committed. Every instance thus sees every new command exactly once (no
/// rebalance can hand a partition over and deliver a command again), and a new instance never replays the history.
/// Which instance acts on a command is decided by <see cref="CommandResponsibility"/>.
/// </summary>
public sealed class CommandTail(KafkaClientFactory kafka, string topic, ILogger logger)
{
    private volatile bool _positioned;
    private long _skipBeforeMs = long.MinValue;

    /// <summary>True once every partition is assigned at its end: a command written from now on is seen.</summary>
    public bool IsPositioned => _positioned;

    /// <param name="catchUpFromMs">Read from this time instead of the end (commands written while no instance read them); null: the end.</param>
    public async Task RunAsync(long? catchUpFromMs, Func<ConsumeResult<string?, byte[]?>, Task> handle, CancellationToken stop)
    {
        var config = kafka.ReaderConfig("commands");
        config.FetchWaitMaxMs = kafka.Options.FetchWaitMaxMs;
        config.AutoOffsetReset = AutoOffsetReset.Latest;
        using var consumer = kafka.CreateConsumer<string?, byte[]?>(config,
            b => b.SetErrorHandler((_, e) => logger.LogWarning("Kafka consumer commands: {Reason}", kafka.Redact(e.Reason))));
        try
        {
            await PositionAsync(consumer, catchUpFromMs, stop).ConfigureAwait(false);
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
                if (result?.Message is null)
                    continue;
                if (result.Message.Timestamp.Type != TimestampType.NotAvailable && result.Message.Timestamp.UnixTimestampMs < _skipBeforeMs)
                    continue; // written before the last instance stopped reading: it was answered then
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

    private async Task PositionAsync(IConsumer<string?, byte[]?> consumer, long? catchUpFromMs, CancellationToken stop)
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
                    var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
                    var ends = partitions.Select(tp => new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High)).ToList();
                    if (catchUpFromMs is { } from)
                    {
                        // The first command at or after that time. A broker that cannot say (Kafka: none after it; the
                        // embedded mock cluster: no time index) has the partition read from its beginning, and the
                        // older commands are skipped by their timestamps.
                        var found = consumer.OffsetsForTimes(partitions.Select(tp => new TopicPartitionTimestamp(tp, new Timestamp(from, TimestampType.CreateTime))),
                            TimeSpan.FromSeconds(5));
                        ends = ends.Select(end => found.FirstOrDefault(f => f.TopicPartition == end.TopicPartition) is { Offset.Value: >= 0 } at
                            && at.Offset.Value < end.Offset.Value ? at : new TopicPartitionOffset(end.TopicPartition, Offset.Beginning)).ToList();
                        _skipBeforeMs = from;
                        logger.LogInformation("No other bridge instance is live: reading {Topic} from {From:O}, when the last one was last known to read it",
                            topic, DateTimeOffset.FromUnixTimeMilliseconds(from));
                    }
                    consumer.Assign(ends);
                    _positioned = true;
                    logger.LogInformation("Reading {Topic} from offsets {Offsets}", topic, string.Join(", ", ends.Select(e => $"{e.Partition.Value}:{e.Offset.Value}")));
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
