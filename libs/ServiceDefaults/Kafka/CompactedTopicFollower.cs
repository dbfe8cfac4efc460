using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Reads a compacted topic (the device registry, the shadow documents) into a process's memory and keeps following
/// it: every partition assigned from its beginning, no consumer group and nothing committed, so every instance sees
/// every key. Until the topic exists it waits, saying why in <see cref="Status"/>. Used by the in-memory views; the
/// view decides what a record means.
/// </summary>
/// <param name="asksEnds">
/// Whether callers will ask where the topic ends (<see cref="EndsNowAsync"/>, read-your-writes): then the client that
/// asks is made, connected and given the topic's leaders when following starts, not on the first caller's time (a
/// device's CONNECT has 2 s for it).
/// </param>
public sealed class CompactedTopicFollower(KafkaClientFactory kafka, string topic, string role, ILogger logger, bool asksEnds = false)
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(2);

    /// <summary>Where the follower is (waiting for the topic, catching up, a Kafka error), for /healthz and error messages.</summary>
    public string Status { get; private set; } = "not started";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> _next = new();
    private volatile IConsumer<string?, byte[]?>? _consumer;

    /// <summary>
    /// Each partition's end now, as Kafka says: every record written before this call lies before it (null when not
    /// following yet, or Kafka did not answer in time). With <see cref="HasRead"/>: read-your-writes for a reader
    /// that knows a record was written a moment ago.
    /// </summary>
    /// <remarks>
    /// Asked on a client of its own, not the follower's consumer: a broker answers a connection's requests in order,
    /// and the consumer's connection nearly always holds a fetch that waits for new records (up to fetch.wait.max.ms,
    /// 500 ms), so a watermark query behind it waited that long per partition (about 1 s for a refused CONNECT).
    /// One ListOffsets request covers every partition. Most followers never ask; see the asksEnds parameter.
    /// </remarks>
    public async Task<IReadOnlyDictionary<int, long>?> EndsNowAsync(TimeSpan timeout)
    {
        if (_consumer is null || _next.IsEmpty || EndsClient() is not { } admin)
            return null;
        try
        {
            var asked = _next.Keys.Select(p => new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, p), OffsetSpec = OffsetSpec.Latest() });
            var ends = await admin.ListOffsetsAsync(asked, new ListOffsetsOptions { RequestTimeout = timeout }).WaitAsync(timeout).ConfigureAwait(false);
            return ends.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.Partition.Value, r => r.TopicPartitionOffsetError.Offset.Value);
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException or TimeoutException)
        {
            return null;
        }
    }

    /// <inheritdoc cref="EndsNowAsync"/>
    /// <remarks>Blocks the calling thread until Kafka answers (the answer arrives on librdkafka's own thread).</remarks>
    public IReadOnlyDictionary<int, long>? EndsNow(TimeSpan timeout) => EndsNowAsync(timeout).GetAwaiter().GetResult();

    private readonly Lock _endsClientLock = new();
    private IAdminClient? _endsClient;
    private bool _stopped;

    private IAdminClient? EndsClient()
    {
        lock (_endsClientLock)
            return _stopped ? null : _endsClient ??= kafka.CreateAdmin(kafka.AdminConfig(role));
    }

    /// <summary>Whether this follower has read every partition up to these offsets.</summary>
    public bool HasRead(IReadOnlyDictionary<int, long> ends) => ends.All(e => _next.TryGetValue(e.Key, out var next) && next >= e.Value);

    private long _readAllTakenBeforeMs = long.MinValue;

    /// <summary>Whether <see cref="ReadAllTakenBefore"/> already got this far.</summary>
    public bool HasReadAllTakenBefore(long timeMs) => Volatile.Read(ref _readAllTakenBeforeMs) >= timeMs;

    /// <summary>
    /// Waits until this follower has read every record Kafka had taken before <paramref name="timeMs"/>, a moment
    /// that has passed: asks where each partition ends now and reads up to there. One look serves every caller whose
    /// moment it covers, so a stream of callers costs a few looks per second. False when Kafka did not answer, or
    /// the reading did not get there, within <paramref name="limit"/>.
    /// </summary>
    /// <remarks>Blocks the calling thread (a reader's own, which waits for this anyway), never a thread-pool one.</remarks>
    public bool ReadAllTakenBefore(long timeMs, TimeSpan limit, CancellationToken stop)
    {
        if (HasReadAllTakenBefore(timeMs))
            return true;
        var deadline = DateTime.UtcNow + limit;
        var askedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (EndsNow(limit) is not { } ends)
            return false;
        while (!HasRead(ends))
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            if (stop.WaitHandle.WaitOne(5))
                stop.ThrowIfCancellationRequested();
        }
        var current = Volatile.Read(ref _readAllTakenBeforeMs);
        while (askedAtMs > current)
        {
            var seen = Interlocked.CompareExchange(ref _readAllTakenBeforeMs, askedAtMs, current);
            if (seen == current)
                break;
            current = seen;
        }
        return true;
    }

    /// <summary>
    /// Follows the topic on the calling thread until <paramref name="stop"/> fires. <paramref name="onRecord"/> gets
    /// every record (tombstones too); <paramref name="onCaughtUp"/> is called once, when every partition reached the
    /// end it had when it was assigned, and what it returns becomes <see cref="Status"/>. An unexpected exception is
    /// recorded in <see cref="Status"/> and rethrown.
    /// </summary>
    public void Run(Action<ConsumeResult<string?, byte[]?>> onRecord, Func<string> onCaughtUp, CancellationToken stop)
    {
        var config = kafka.ReaderConfig(role);
        config.EnablePartitionEof = true;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        using var consumer = kafka.CreateConsumer<string?, byte[]?>(config,
            b => b.SetErrorHandler((_, e) => Status = $"Kafka error: {kafka.Redact(e.Reason)}"));
        try
        {
            var pending = AssignAllPartitions(consumer, stop);
            foreach (var partition in pending)
                _next[partition] = 0;
            lock (_endsClientLock)
                _stopped = false;
            _consumer = consumer;
            if (asksEnds)
                _ = EndsNowAsync(TimeSpan.FromSeconds(10));
            while (!stop.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(PollTimeout);
                }
                catch (ConsumeException e)
                {
                    Status = $"consume error: {kafka.Redact(e.Error.Reason)}";
                    logger.LogWarning("Reading {Topic}: consume error: {Reason}", topic, kafka.Redact(e.Error.Reason));
                    continue;
                }
                if (result is null)
                    continue;
                if (result.IsPartitionEOF)
                {
                    _next[result.Partition.Value] = result.Offset.Value;
                    if (pending.Remove(result.Partition.Value) && pending.Count == 0)
                        Status = onCaughtUp();
                    continue;
                }
                onRecord(result);
                _next[result.Partition.Value] = result.Offset.Value + 1;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Status = $"failed: {kafka.Redact(e.Message)}";
            throw;
        }
        finally
        {
            _consumer = null;
            lock (_endsClientLock)
            {
                _stopped = true;
                _endsClient?.Dispose();
                _endsClient = null;
            }
            consumer.Close();
        }
    }

    private HashSet<int> AssignAllPartitions(IConsumer<string?, byte[]?> consumer, CancellationToken stop)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var delay = FirstRetry;
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            try
            {
                var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single();
                if (metadata.Error.Code == ErrorCode.NoError && metadata.Partitions.Count > 0)
                {
                    var partitions = metadata.Partitions.Select(p => p.PartitionId).ToHashSet();
                    consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
                    Status = $"catching up on {topic} ({partitions.Count} partitions)";
                    return partitions;
                }
                Status = $"topic {topic} is not available: {metadata.Error.Reason}";
            }
            catch (KafkaException e)
            {
                Status = $"cannot read metadata of {topic}: {kafka.Redact(e.Error.Reason)}";
            }
            logger.LogWarning("Waiting to read {Topic}: {Status}", topic, Status);
            stop.WaitHandle.WaitOne(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(MaxRetry.TotalMilliseconds, delay.TotalMilliseconds * 2));
        }
    }
}
