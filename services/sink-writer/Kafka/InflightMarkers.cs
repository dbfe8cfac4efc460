using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.SinkWriter.Kafka;

/// <summary>
/// Remembers, per partition, where the batch being inserted ends, in a companion consumer group
/// ("&lt;group&gt;.inflight") that never consumes. Before a batch [committed .. last] is inserted its end
/// (last + 1) is committed here; after ClickHouse accepted it, the same offset is committed in the real group.
/// Whoever owns the partition next and finds the marker ahead of the committed offset knows a batch may
/// have been inserted without its offsets being committed, and rebuilds exactly that range: same token,
/// so ClickHouse drops the repeat. That is what makes a kill -9 between insert and commit harmless.
/// </summary>
internal sealed class InflightMarkers(KafkaClientFactory kafka, string group) : IDisposable
{
    private readonly IConsumer<Ignore, Ignore> _client =
        kafka.CreateConsumer<Ignore, Ignore>(kafka.GroupOffsetsConfig(group + ".inflight", group + ".inflight"));

    /// <summary>Records that the batch ending at <paramref name="lastOffset"/> is about to be inserted.</summary>
    public void Mark(TopicPartition partition, long lastOffset) =>
        _client.Commit([new TopicPartitionOffset(partition, lastOffset + 1)]);

    /// <summary>
    /// For each partition, the last offset of a batch that may be in ClickHouse although its offsets were
    /// not committed, or null when the marker is not ahead of <paramref name="committed"/>.
    /// </summary>
    public Dictionary<TopicPartition, long?> PendingEnds(IReadOnlyList<TopicPartitionOffset> committed, TimeSpan timeout)
    {
        var markers = _client.Committed(committed.Select(c => c.TopicPartition), timeout)
            .ToDictionary(m => m.TopicPartition, m => m.Offset);
        return committed.ToDictionary(
            c => c.TopicPartition,
            c => markers.TryGetValue(c.TopicPartition, out var marker) && marker != Offset.Unset
                 && (c.Offset == Offset.Unset || marker.Value > c.Offset.Value)
                ? marker.Value - 1
                : (long?)null);
    }

    public void Dispose() => _client.Dispose();
}
