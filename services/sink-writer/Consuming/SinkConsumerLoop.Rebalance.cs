using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipeline.SinkWriter.Consuming;

internal sealed partial class SinkConsumerLoop
{
    private IEnumerable<TopicPartitionOffset> OnAssigned(List<TopicPartition> assigned)
    {
        // A write from an earlier assignment must not overlap with batches of this one.
        WaitForWrite(DeadlineFromNow());
        _paused = false;
        try
        {
            var committed = _consumer.Committed(assigned, KafkaQueryTimeout);
            var pending = _markers.PendingEnds(committed, KafkaQueryTimeout);
            foreach (var c in committed)
            {
                _buffers.Assign(c.TopicPartition, pending[c.TopicPartition]);
                if (c.Offset != Offset.Unset)
                    _committed[c.TopicPartition] = c.Offset.Value;
                if (pending[c.TopicPartition] is { } end)
                    _logger.LogInformation("{Partition}: a batch ending at offset {End} may be in ClickHouse without a commit; rebuilding exactly that range from {Committed}",
                        c.TopicPartition, end, c.Offset);
            }
            _logger.LogInformation("Assigned {Partitions}", string.Join(", ", assigned));
            return committed;
        }
        catch (KafkaException e)
        {
            _logger.LogWarning("Reading committed offsets of {Partitions} failed ({Reason}); they start once that works", string.Join(", ", assigned), e.Message);
            foreach (var partition in assigned)
            {
                _buffers.Assign(partition, null);
                _needsReset.Add(partition);
            }
            return assigned.Select(p => new TopicPartitionOffset(p, Offset.Unset));
        }
    }

    /// <summary>Writes and commits what is held for the partitions before they go to another instance.</summary>
    private void OnRevoked(List<TopicPartition> revoked)
    {
        var deadline = DeadlineFromNow();
        var held = revoked.Where(p => !_needsReset.Contains(p)).SelectMany(_buffers.Revoke).ToList();
        WaitForWrite(deadline);
        if (held.Count > 0)
        {
            var cancel = new CancellationTokenSource();
            _inflight = new WriteRound(Task.Run(() => WriteAllAsync(held, cancel.Token)), held.Sum(b => b.MemoryBytes), cancel);
            WaitForWrite(deadline);
        }
        Forget(revoked);
        _logger.LogInformation("Revoked {Partitions} after writing {Batches} held batches", string.Join(", ", revoked), held.Count);
    }

    /// <summary>The partitions already belong to someone else: nothing held may be committed, so it is dropped (the new owner reads it again).</summary>
    private void OnLost(List<TopicPartition> lost)
    {
        foreach (var partition in lost)
            _buffers.Revoke(partition);
        WaitForWrite(DeadlineFromNow());
        Forget(lost);
        _logger.LogWarning("Lost {Partitions}; their uncommitted batches are left to the new owner", string.Join(", ", lost));
    }

    private void Forget(List<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _buffers.Revoke(partition);
            _needsReset.Remove(partition);
            _committed.TryRemove(partition, out _);
            _metrics.ConsumerLag.RemoveLabelled(_destination.Converter.Table, partition.Topic,
                partition.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Rewinds partitions whose write failed (or whose offsets could not be read): drops what is held, reads
    /// the committed offset and the in-flight marker again and seeks back, so the next batch again starts at
    /// the committed offset and a possibly-inserted range is rebuilt exactly.
    /// </summary>
    private void ResetPartitions()
    {
        foreach (var partition in _needsReset.ToList())
        {
            if (!_consumer.Assignment.Contains(partition))
            {
                _needsReset.Remove(partition);
                continue;
            }
            try
            {
                var committed = _consumer.Committed([partition], KafkaQueryTimeout);
                var pending = _markers.PendingEnds(committed, KafkaQueryTimeout);
                _buffers.Revoke(partition);
                _buffers.Assign(partition, pending[partition]);
                var offset = committed[0].Offset;
                if (offset != Offset.Unset)
                    _committed[partition] = offset.Value;
                _consumer.Seek(new TopicPartitionOffset(partition, offset == Offset.Unset ? Offset.Beginning : offset));
                _needsReset.Remove(partition);
                _logger.LogInformation("Rewound {Partition} to {Offset}", partition, offset);
            }
            catch (KafkaException e)
            {
                _logger.LogWarning("Rewinding {Partition} failed ({Reason}); trying again", partition, e.Message);
            }
        }
    }
}
