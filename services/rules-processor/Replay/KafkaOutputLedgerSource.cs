using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.RulesProcessor.Replay;

/// <summary>
/// Reads the end of an output topic's partition backwards, in growing chunks, until it reaches outputs made from
/// input records before the one the task resumed at: everything after that point is what the replay must not write
/// again. The processor's output is partitioned like its input (the same key hash, the same partition count), so
/// the outputs of input partition p are in output partition p; a topic keyed otherwise (shadow documents) or with
/// another partition count is read whole.
/// </summary>
/// <remarks>
/// Committed records only (read_committed): under exactly-once, what an aborted transaction wrote does not count.
/// The lookback is bounded (<see cref="MaxLookback"/> records per partition) so that a topic whose outputs carry no
/// source position (written by an older version) is not read to its start.
/// </remarks>
public sealed class KafkaOutputLedgerSource(KafkaClientFactory kafka, ILogger log) : IOutputLedgerSource
{
    private const int FirstChunk = 2_000;
    internal const long MaxLookback = 2_000_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public OutputLedger Read(string outputTopic, bool keyedLikeInput, string inputTopic, int inputPartition, long resumedAt)
    {
        var config = kafka.ReaderConfig("output-ledger"); // assign only: no group is joined or committed
        config.EnablePartitionEof = true;
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        using var consumer = kafka.CreateConsumer<Ignore, Ignore>(config);
        var written = new HashSet<long>();
        foreach (var partition in OutputPartitions(kafka, outputTopic, keyedLikeInput, inputTopic, inputPartition))
            ReadBack(consumer, new TopicPartition(outputTopic, partition), inputTopic, inputPartition, resumedAt, written);
        if (written.Count > 0)
            log.LogWarning("Replaying {Topic} from partition {Partition} offset {Offset}: {Count} of these records already have their output "
                + "in {Output} (written before a crash) and are not written again", inputTopic, inputPartition, resumedAt, written.Count, outputTopic);
        return new OutputLedger(written);
    }

    private static IEnumerable<int> OutputPartitions(KafkaClientFactory kafka, string outputTopic, bool keyedLikeInput, string inputTopic, int inputPartition)
    {
        using var admin = kafka.CreateAdmin(kafka.AdminConfig("output-ledger"));
        int Partitions(string topic) => admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.FirstOrDefault(t => t.Topic == topic)?.Partitions.Count ?? 0;
        var count = Partitions(outputTopic);
        // Co-partitioned (the usual case, and always under ./pipeline up): the same partition number.
        if (keyedLikeInput && count == Partitions(inputTopic))
            return [inputPartition];
        // Not co-partitioned (an operator changed one topic's partition count): the outputs of this input partition can be
        // anywhere, and the source partition in each header sorts them out.
        return Enumerable.Range(0, count);
    }

    private static void ReadBack(IConsumer<Ignore, Ignore> consumer, TopicPartition partition, string inputTopic, int inputPartition, long resumedAt, HashSet<long> written)
    {
        var marks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
        long low = marks.Low.Value, end = marks.High.Value, chunk = FirstChunk;
        while (end > low && marks.High.Value - end < MaxLookback)
        {
            var start = Math.Max(low, end - chunk);
            if (ReadRange(consumer, partition, start, end, inputTopic, inputPartition, resumedAt, written))
                return; // reached outputs of records before the resume point
            (end, chunk) = (start, chunk * 4);
        }
    }

    /// <summary>Adds the source offsets at or after <paramref name="resumedAt"/>; true when an earlier one was seen.</summary>
    private static bool ReadRange(IConsumer<Ignore, Ignore> consumer, TopicPartition partition, long start, long end,
        string inputTopic, int inputPartition, long resumedAt, HashSet<long> written)
    {
        var reachedEarlier = false;
        consumer.Assign(new TopicPartitionOffset(partition, start));
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null)
                continue;
            if (result.IsPartitionEOF || result.Offset.Value >= end)
                break;
            // Another input topic's output (the same partition number, unrelated offsets): not this replay's.
            if (!SourcePosition.TryRead(result.Message.Headers, out var topic, out var p, out var offset) || p != inputPartition
                || (topic is not null && topic != inputTopic))
                continue;
            if (offset >= resumedAt)
                written.Add(offset);
            else
                reachedEarlier = true;
        }
        consumer.Unassign();
        return reachedEarlier;
    }
}
