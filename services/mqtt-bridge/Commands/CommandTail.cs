using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Reads iot.commands from the end it had when this instance started, or from further back when another run may
/// have left commands unread (<see cref="Presence.PresenceView.CommandsCatchUpFrom"/>: no other instance is live, or
/// one that looks live may have died unseen): every partition assigned, no consumer group, nothing committed. Every
/// instance thus sees every new command exactly once (no rebalance can hand a partition over and deliver a command
/// again), and a new instance never replays the history. Which instance acts on a command is decided by
/// <see cref="CommandResponsibility"/>. How far it got is kept in <see cref="CommandReadPositions"/>.
/// </summary>
public sealed class CommandTail(KafkaClientFactory kafka, string topic, CommandReadPositions positions, ILogger logger)
{
    /// <summary>How often <c>between</c> runs while commands keep coming or none do.</summary>
    private static readonly TimeSpan BetweenInterval = TimeSpan.FromMilliseconds(250);

    private volatile bool _positioned;
    private long _skipBeforeMs = long.MinValue;
    private readonly HashSet<int> _positionedByTime = [];

    /// <summary>True once every partition is assigned at its end: a command written from now on is seen.</summary>
    public bool IsPositioned => _positioned;

    /// <param name="catchUp">Read from there instead of the end (commands written while no instance read them); null: the end.</param>
    /// <param name="between">Run on this thread between commands, at least every quarter second.</param>
    /// <remarks>
    /// Runs to the end on the calling thread (a dedicated one), waiting for <paramref name="handle"/> and
    /// <paramref name="between"/> there: <c>Consume</c> blocks, and after an awaited handler the loop would have
    /// continued on a thread-pool thread and blocked it in <c>Consume</c> for good.
    /// </remarks>
    public void Run(Presence.CommandsCatchUp? catchUp, Func<ConsumeResult<string?, byte[]?>, Task> handle, Func<Task> between,
        CancellationToken stop)
    {
        var config = kafka.ReaderConfig("commands");
        config.FetchWaitMaxMs = kafka.Options.FetchWaitMaxMs;
        config.AutoOffsetReset = AutoOffsetReset.Latest;
        using var consumer = kafka.CreateConsumer<string?, byte[]?>(config,
            b => b.SetErrorHandler((_, e) => logger.LogWarning("Kafka consumer commands: {Reason}", kafka.Redact(e.Reason))));
        try
        {
            Position(consumer, catchUp, stop);
            var nextBetween = DateTime.UtcNow;
            while (!stop.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= nextBetween)
                {
                    between().GetAwaiter().GetResult();
                    nextBetween = DateTime.UtcNow + BetweenInterval;
                }
                ConsumeResult<string?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(BetweenInterval);
                }
                catch (ConsumeException e)
                {
                    logger.LogWarning("Kafka consumer commands: {Reason}", kafka.Redact(e.Error.Reason));
                    continue;
                }
                if (result?.Message is null)
                    continue;
                if (!WasAnswered(result))
                    handle(result).GetAwaiter().GetResult();
                positions.Handled(result.Partition.Value, result.Offset.Value);
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

    /// <summary>Read again from a time (no offsets known): written before the last instance stopped reading, so answered then.</summary>
    private bool WasAnswered(ConsumeResult<string?, byte[]?> result) =>
        _positionedByTime.Contains(result.Partition.Value)
        && result.Message.Timestamp.Type != TimestampType.NotAvailable && result.Message.Timestamp.UnixTimestampMs < _skipBeforeMs;

    private void Position(IConsumer<string?, byte[]?> consumer, Presence.CommandsCatchUp? catchUp, CancellationToken stop)
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
                    var marks = partitions.ToDictionary(tp => tp.Partition.Value, tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)));
                    var starts = partitions.Select(tp => new TopicPartitionOffset(tp, marks[tp.Partition.Value].High)).ToList();
                    if (catchUp is not null)
                        starts = CatchUpStarts(consumer, catchUp, partitions, marks);
                    consumer.Assign(starts);
                    positions.Start(marks.Select(m => KeyValuePair.Create(m.Key, m.Value.High.Value)),
                        starts.Select(s => KeyValuePair.Create(s.Partition.Value,
                            s.Offset == Offset.Beginning ? marks[s.Partition.Value].Low.Value : s.Offset.Value)));
                    _positioned = true;
                    logger.LogInformation("Reading {Topic} from offsets {Offsets}", topic, string.Join(", ", starts.Select(e => $"{e.Partition.Value}:{e.Offset.Value}")));
                    return;
                }
                logger.LogWarning("Waiting to read {Topic}: {Reason}", topic, metadata.Error.Reason);
            }
            catch (KafkaException e)
            {
                logger.LogWarning("Waiting to read {Topic}: {Reason}", topic, kafka.Redact(e.Error.Reason));
            }
            if (stop.WaitHandle.WaitOne(delay))
                stop.ThrowIfCancellationRequested();
            delay = TimeSpan.FromMilliseconds(Math.Min(2000, delay.TotalMilliseconds * 2));
        }
    }

    /// <summary>
    /// From the offsets the last instance had read to; on a partition it gave none for, the first command at or
    /// after its last sign of life (or the end, when the catch-up has no time). A broker that cannot say that (Kafka:
    /// none after it; the embedded mock cluster: no time index) has the partition read from its beginning, and the
    /// older commands are skipped by their timestamps.
    /// </summary>
    private List<TopicPartitionOffset> CatchUpStarts(IConsumer<string?, byte[]?> consumer, Presence.CommandsCatchUp catchUp,
        List<TopicPartition> partitions, Dictionary<int, WatermarkOffsets> marks)
    {
        var starts = new List<TopicPartitionOffset>();
        var byTime = new List<TopicPartition>();
        foreach (var tp in partitions)
        {
            var mark = marks[tp.Partition.Value];
            if (catchUp.ReadTo is not null && catchUp.ReadTo.TryGetValue(tp.Partition.Value, out var next))
                starts.Add(new TopicPartitionOffset(tp, Math.Clamp(next, mark.Low.Value, mark.High.Value)));
            else if (catchUp.FromMs is null)
                starts.Add(new TopicPartitionOffset(tp, mark.High));
            else
                byTime.Add(tp);
        }
        if (byTime.Count > 0 && catchUp.FromMs is { } fromMs)
        {
            var found = consumer.OffsetsForTimes(byTime.Select(tp => new TopicPartitionTimestamp(tp, new Timestamp(fromMs, TimestampType.CreateTime))),
                TimeSpan.FromSeconds(5));
            foreach (var tp in byTime)
            {
                var end = marks[tp.Partition.Value].High.Value;
                starts.Add(found.FirstOrDefault(f => f.TopicPartition == tp) is { Offset.Value: >= 0 } at && at.Offset.Value < end
                    ? at : new TopicPartitionOffset(tp, Offset.Beginning));
                _positionedByTime.Add(tp.Partition.Value);
            }
            _skipBeforeMs = fromMs;
        }
        logger.LogInformation("Reading {Topic} from where the other instances got to (no other live, or one may have died unseen): {Offsets}",
            topic, string.Join(", ", starts.Select(e => $"{e.Partition.Value}:{e.Offset.Value}")));
        return starts;
    }
}
