using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.SinkWriter.Batching;

namespace Pipeline.SinkWriter.Consuming;

internal sealed partial class SinkConsumerLoop
{
    /// <summary>Closed batches being written in the background; the loop starts the next round when this one is done.</summary>
    private sealed record WriteRound(Task<HashSet<TopicPartition>> Failed, long Bytes, CancellationTokenSource Cancel);

    private void StartWriteIfIdle()
    {
        if (_inflight is not null || !_buffers.HasClosed)
            return;
        var batches = _buffers.TakeClosed();
        _logger.LogDebug("Writing {Batches} batches ({Rows} rows)", batches.Count, batches.Sum(b => b.Rows.Count));
        var cancel = new CancellationTokenSource();
        _inflight = new WriteRound(Task.Run(() => WriteAllAsync(batches, cancel.Token)), batches.Sum(b => b.MemoryBytes), cancel);
    }

    /// <summary>
    /// Writes the batches: one partition's in offset order, different partitions side by side (up to
    /// InsertConcurrency), so one batch is serialised and sent while ClickHouse stores another. A partition whose
    /// batch failed gets nothing more written in this round; the loop rewinds it.
    /// </summary>
    private async Task<HashSet<TopicPartition>> WriteAllAsync(List<PendingBatch> batches, CancellationToken cancellationToken)
    {
        var failed = new ConcurrentBag<TopicPartition>();
        var chains = batches.GroupBy(b => new TopicPartition(b.Topic, b.Partition)).ToList();
        await Parallel.ForEachAsync(chains, new ParallelOptions { MaxDegreeOfParallelism = _options.InsertConcurrency }, async (chain, _) =>
        {
            foreach (var batch in chain)
                if (!await WriteOneAsync(chain.Key, batch, cancellationToken).ConfigureAwait(false))
                {
                    failed.Add(chain.Key);
                    return;
                }
        }).ConfigureAwait(false);
        return [.. failed];
    }

    private async Task<bool> WriteOneAsync(TopicPartition partition, PendingBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.WriteAsync(batch, _consumer, cancellationToken).ConfigureAwait(false);
            _committed[partition] = batch.LastOffset + 1;
            _logger.LogDebug("Wrote {Token} ({Rows} rows) and committed", batch.Token, batch.Rows.Count);
            // Written and committed: nothing refers to its rows any more. (A failed batch is left to the GC.)
            batch.ReleaseTo(_listPool);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Gave up writing {Partition} offsets {First}-{Last}: not committed, they will be read again (same token)",
                partition, batch.FirstOffset, batch.LastOffset);
        }
        catch (PartitionCommitException e)
        {
            _logger.LogWarning("{Message}; rewinding to the committed offset (the batch is replayed with the same token)", e.Message);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Writing {Partition} offsets {First}-{Last} failed unexpectedly; rewinding to the committed offset",
                partition, batch.FirstOffset, batch.LastOffset);
        }
        return false;
    }

    private void CompleteWriteIfDone()
    {
        if (_inflight is not { Failed.IsCompleted: true } round)
            return;
        _inflight = null;
        round.Cancel.Dispose();
        foreach (var partition in round.Failed.Result)
        {
            if (!_consumer.Assignment.Contains(partition))
                continue;
            // What is held no longer starts at the committed offset: written now, a later batch would carry a token
            // no replay reproduces. Dropped at once; the partition is read again from its committed offset.
            _buffers.Revoke(partition);
            _buffers.Assign(partition, null);
            _needsReset.Add(partition);
        }
    }

    /// <summary>Waits for the running write until <paramref name="deadlineTicks"/>, then cancels it (its batches stay uncommitted).</summary>
    private void WaitForWrite(long deadlineTicks)
    {
        if (_inflight is not { } round)
            return;
        var remaining = TimeSpan.FromSeconds(Math.Max(0, (double)(deadlineTicks - Stopwatch.GetTimestamp()) / Stopwatch.Frequency));
        if (!round.Failed.Wait(remaining))
        {
            round.Cancel.Cancel();
            round.Failed.Wait();
        }
        CompleteWriteIfDone();
    }

    private long DeadlineFromNow() => Stopwatch.GetTimestamp() + (long)(_options.DrainTimeout.TotalSeconds * Stopwatch.Frequency);
}
