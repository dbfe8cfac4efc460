using Confluent.Kafka;

namespace Pipeline.RulesProcessor.Hosting.Rebalancing;

/// <summary>
/// The stream thread's consumer; an offsets commit Kafka refuses while the thread gives partitions up in a rebalance is
/// logged instead of thrown (why: <see cref="RevocationTolerantKafkaSupplier"/>). Everything else is the consumer's own.
/// </summary>
public sealed class RevocationTolerantConsumer(IConsumer<byte[], byte[]> inner, RevocationWindow revocation, ILogger log) : IConsumer<byte[], byte[]>
{
    public void Commit(IEnumerable<TopicPartitionOffset> offsets)
    {
        var list = offsets as IReadOnlyCollection<TopicPartitionOffset> ?? offsets.ToList();
        CommitTolerated(() => inner.Commit(list), list);
    }

    public List<TopicPartitionOffset> Commit()
    {
        List<TopicPartitionOffset> committed = [];
        CommitTolerated(() => committed = inner.Commit(), []);
        return committed;
    }

    public void Commit(ConsumeResult<byte[], byte[]> result) => CommitTolerated(() => inner.Commit(result), [result.TopicPartitionOffset]);

    private void CommitTolerated(Action commit, IReadOnlyCollection<TopicPartitionOffset> offsets)
    {
        try
        {
            commit();
        }
        catch (KafkaException e) when (revocation.IsOpen)
        {
            log.LogWarning("Kafka refused the offsets of the partitions this processor is giving up in a rebalance ({Code}: {Reason}); they stay "
                + "uncommitted at {Offsets}, and the partitions' next owner processes the records after the last commit again (the replay "
                + "protection keeps that exact)", e.Error.Code, e.Error.Reason, string.Join(", ", offsets));
        }
    }

    public string MemberId => inner.MemberId;
    public List<TopicPartition> Assignment => inner.Assignment;
    public List<string> Subscription => inner.Subscription;
    public IConsumerGroupMetadata ConsumerGroupMetadata => inner.ConsumerGroupMetadata;
    public Handle Handle => inner.Handle;
    public string Name => inner.Name;

    public ConsumeResult<byte[], byte[]> Consume(int millisecondsTimeout) => inner.Consume(millisecondsTimeout);
    public ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default) => inner.Consume(cancellationToken);
    public ConsumeResult<byte[], byte[]> Consume(TimeSpan timeout) => inner.Consume(timeout);
    public void Subscribe(IEnumerable<string> topics) => inner.Subscribe(topics);
    public void Subscribe(string topic) => inner.Subscribe(topic);
    public void Unsubscribe() => inner.Unsubscribe();
    public void Assign(TopicPartition partition) => inner.Assign(partition);
    public void Assign(TopicPartitionOffset partition) => inner.Assign(partition);
    public void Assign(IEnumerable<TopicPartitionOffset> partitions) => inner.Assign(partitions);
    public void Assign(IEnumerable<TopicPartition> partitions) => inner.Assign(partitions);
    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => inner.IncrementalAssign(partitions);
    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => inner.IncrementalAssign(partitions);
    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => inner.IncrementalUnassign(partitions);
    public void Unassign() => inner.Unassign();
    public void StoreOffset(ConsumeResult<byte[], byte[]> result) => inner.StoreOffset(result);
    public void StoreOffset(TopicPartitionOffset offset) => inner.StoreOffset(offset);
    public void Seek(TopicPartitionOffset tpo) => inner.Seek(tpo);
    public void Pause(IEnumerable<TopicPartition> partitions) => inner.Pause(partitions);
    public void Resume(IEnumerable<TopicPartition> partitions) => inner.Resume(partitions);
    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => inner.Committed(timeout);
    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => inner.Committed(partitions, timeout);
    public Offset Position(TopicPartition partition) => inner.Position(partition);
    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) =>
        inner.OffsetsForTimes(timestampsToSearch, timeout);
    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => inner.GetWatermarkOffsets(topicPartition);
    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => inner.QueryWatermarkOffsets(topicPartition, timeout);
    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);
    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);
    public void Close() => inner.Close();
    public void Dispose() => inner.Dispose();
}
