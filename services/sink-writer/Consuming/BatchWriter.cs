using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.SinkWriter.Batching;
using Pipeline.SinkWriter.Kafka;
using Pipeline.SinkWriter.Observability;
using Pipeline.SinkWriter.Storage;
using Polly;

namespace Pipeline.SinkWriter.Consuming;

/// <summary>
/// Makes one batch durable, in the order that keeps it exactly-once:
/// 1. mark the batch's end in the in-flight group (so a crash after the insert replays this exact range),
/// 2. check it still owns the partition (re-commit the offset it stands at; fails once the group moved on),
/// 3. insert with the batch's deduplication token (retried; refused rows split off),
/// 4. publish refusals to iot.rejected and wait for Kafka's acknowledgement,
/// 5. commit the offsets after the batch.
/// A failed commit throws <see cref="PartitionCommitException"/>: the loop rewinds the partition, and the
/// replayed batch is the same range with the same token, so ClickHouse ignores it and the commit is retried.
/// </summary>
internal sealed class BatchWriter(
    SinkDestination destination,
    IBatchInserter inserter,
    InflightMarkers markers,
    RejectionPublisher publisher,
    ResiliencePipeline kafkaRetry,
    SinkMetrics metrics,
    WriterState state,
    ILogger logger)
{
    private readonly int _deviceIdColumn = inserter.Columns.ToList().IndexOf("device_id");

    public async Task WriteAsync(PendingBatch batch, IConsumer<string, byte[]> consumer, CancellationToken cancellationToken)
    {
        var partition = new TopicPartition(batch.Topic, batch.Partition);
        var rejections = new List<Rejection>(batch.Rejections);
        if (batch.Rows.Count > 0)
        {
            if (!batch.IsReplay)
                await kafkaRetry.ExecuteAsync(_ => { markers.Mark(partition, batch.LastOffset); return ValueTask.CompletedTask; }, cancellationToken).ConfigureAwait(false);
            // Fencing: committing the offset the partition already stands at succeeds only while this instance still
            // owns the partition in the group's current generation. An instance that lost it (evicted after a stall)
            // stops here instead of inserting a range the new owner batches differently; and because the marker was
            // written first, a new owner that took over after this point reads it and rebuilds this exact range.
            Commit(consumer, new TopicPartitionOffset(partition, batch.FirstOffset));
            var started = Stopwatch.GetTimestamp();
            var refused = await inserter.InsertAsync(batch.Rows, batch.Token, cancellationToken).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics.InsertLatency.WithLabels(inserter.Table).Observe(elapsed.TotalSeconds);
            logger.LogDebug("Inserted {Rows} rows into {Table} in {Milliseconds:0.0} ms ({Token})", batch.Rows.Count, inserter.Table, elapsed.TotalMilliseconds, batch.Token);
            metrics.RowsWritten.WithLabels(inserter.Table).Inc(batch.Rows.Count - refused.Count);
            metrics.BatchRows.WithLabels(inserter.Table).Observe(batch.Rows.Count);
            foreach (var row in refused)
                if (ToRejection(batch, row) is { } rejection)
                    rejections.Add(rejection);
        }
        foreach (var rejection in rejections)
            metrics.Rejected.WithLabels(inserter.Table, rejection.Reason.ToString()).Inc();
        await kafkaRetry.ExecuteAsync(async ct => await publisher.PublishAsync(rejections, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        state.Recovered();

        Commit(consumer, new TopicPartitionOffset(partition, batch.LastOffset + 1));
        metrics.BatchAge.WithLabels(inserter.Table).Observe(Stopwatch.GetElapsedTime(batch.StartedTicks).TotalSeconds);
    }

    private static void Commit(IConsumer<string, byte[]> consumer, TopicPartitionOffset offset)
    {
        try
        {
            consumer.Commit([offset]);
        }
        catch (KafkaException e)
        {
            throw new PartitionCommitException(offset.TopicPartition, e);
        }
    }

    private Rejection? ToRejection(PendingBatch batch, RefusedRow row)
    {
        var record = batch.RecordOfRow(row.Row);
        var deviceId = DeviceIdOf(batch.Rows[row.Row]);
        logger.LogWarning("ClickHouse refused row {Row} of {Topic}[{Partition}]@{Offset} (device {DeviceId}) for {Table}: {Message}",
            row.Row - record.FirstRow, batch.Topic, batch.Partition, record.Offset, deviceId, inserter.Table, row.Message);
        if (destination.Name == "rejected" && IsOwnStorageRefusal(record.Value))
        {
            // Sending it to iot.rejected again would feed it straight back to this table, forever.
            logger.LogError("A refusal that ClickHouse itself refuses stays only in Kafka: {Topic}[{Partition}]@{Offset}: {Message}",
                batch.Topic, batch.Partition, record.Offset, row.Message);
            metrics.Rejected.WithLabels(inserter.Table, "DROPPED_LOOP").Inc();
            return null;
        }
        // A rule's row (its table, its columns) is the rule's failure: RULE_ACTION_FAILED, the message names rule and action.
        var reason = inserter is RuleRowInserter ? RejectedMessage.Types.Reason.RuleActionFailed : RejectedMessage.Types.Reason.StorageRefused;
        return new Rejection(reason, row.Message, deviceId,
            batch.Topic, batch.Partition, record.Offset, record.Value, record.TimestampMs);
    }

    private string DeviceIdOf(object[] row) => _deviceIdColumn >= 0 && row[_deviceIdColumn] is string id ? id : "";

    private static bool IsOwnStorageRefusal(byte[] value)
    {
        try
        {
            var message = ProtobufDeserializer<RejectedMessage>.Decode(value);
            return message.Stage == RejectionPublisher.Stage && message.Reason == RejectedMessage.Types.Reason.StorageRefused;
        }
        catch (WireFormatException)
        {
            return false;
        }
    }
}

/// <summary>ClickHouse has the batch but Kafka did not take the commit; the partition must be rewound.</summary>
internal sealed class PartitionCommitException(TopicPartition partition, Exception inner)
    : Exception($"Committing {partition} failed: {inner.Message}", inner)
{
    public TopicPartition Partition { get; } = partition;
}
