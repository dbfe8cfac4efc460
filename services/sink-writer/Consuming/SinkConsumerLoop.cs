using Pipeline.ServiceDefaults.Kafka;
using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.SinkWriter.Batching;
using Pipeline.SinkWriter.Kafka;
using Pipeline.SinkWriter.Observability;
using Pipeline.SinkWriter.Storage;

namespace Pipeline.SinkWriter.Consuming;

/// <summary>
/// One destination's consumer, run on its own thread: it consumes, batches per partition, hands closed
/// batches to a background write while it keeps consuming, pauses its partitions while ClickHouse is being
/// retried or the buffer is full, and writes what it holds before partitions leave (rebalance, shutdown).
/// </summary>
internal sealed partial class SinkConsumerLoop : IDisposable
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private const int RecordsPerTick = 500;
    private static readonly TimeSpan KafkaQueryTimeout = TimeSpan.FromSeconds(10);

    private readonly SinkDestination _destination;
    private readonly SinkWriterOptions _options;
    private readonly BatchWriter _writer;
    private readonly InflightMarkers _markers;
    private readonly WriterState _state;
    private readonly SinkMetrics _metrics;
    private readonly ILogger _logger;
    private readonly PartitionBuffers _buffers;
    private readonly BatchListPool _listPool = new();
    private readonly IConsumer<string, byte[]> _consumer;
    private readonly HashSet<TopicPartition> _needsReset = [];
    private readonly ConcurrentDictionary<TopicPartition, long> _committed = new();
    private readonly Prometheus.Gauge.Child _bufferedBytes;
    private readonly Prometheus.Gauge.Child _pausedGauge;
    private readonly Prometheus.Counter.Child _tombstones;
    private WriteRound? _inflight;
    private bool _paused;
    private long _nextHousekeeping;

    public SinkConsumerLoop(SinkDestination destination, string topic, KafkaClientFactory kafka, SinkWriterOptions options,
        BatchWriter writer, InflightMarkers markers, WriterState state, SinkMetrics metrics, ILogger logger)
    {
        _destination = destination;
        Topic = topic;
        Group = $"{options.ConsumerGroupPrefix}.{destination.Name}";
        _options = options;
        _writer = writer;
        _markers = markers;
        _state = state;
        _metrics = metrics;
        _logger = logger;
        _buffers = new PartitionBuffers(BatchLimits.From(options), _listPool);
        _bufferedBytes = metrics.BufferedBytes.WithLabels(destination.Converter.Table);
        _pausedGauge = metrics.Paused.WithLabels(destination.Converter.Table);
        _tombstones = metrics.Tombstones.WithLabels(destination.Converter.Table);
        var config = kafka.GroupConsumerConfig(Group, Group);
        config.FetchWaitMaxMs = kafka.Options.FetchWaitMaxMs;
        // Offsets are committed by hand, only after ClickHouse accepted the batch.
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        // The sink's own setting, not Kafka:SessionTimeoutMs: how long a dead sink keeps its partitions is weighed
        // against how often a slow ClickHouse round makes a live one look dead.
        config.SessionTimeoutMs = (int)options.KafkaSessionTimeout.TotalMilliseconds;
        // Kafka's default 3 s, shorter for a short session: members learn of a rebalance at their next heartbeat.
        config.HeartbeatIntervalMs = (int)Math.Clamp(options.KafkaSessionTimeout.TotalMilliseconds / 3, 500, 3000);
        // Bounds what librdkafka prefetches on top of what the sink itself holds.
        config.QueuedMaxMessagesKbytes = (int)Math.Clamp(options.MaxBufferedBytes / 1024 / 4, 1024, 65536);
        _consumer = kafka.CreateConsumer<string, byte[]>(config, b => b
            .SetPartitionsAssignedHandler((_, assigned) => OnAssigned(assigned))
            .SetPartitionsRevokedHandler((_, revoked) => OnRevoked(revoked.Select(r => r.TopicPartition).ToList()))
            .SetPartitionsLostHandler((_, lost) => OnLost(lost.Select(l => l.TopicPartition).ToList()))
            .SetErrorHandler((_, error) => _logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning,
                "Kafka consumer {Group}: {Reason}", Group, kafka.Redact(error.Reason))));
    }

    public string Topic { get; }

    public string Group { get; }

    public WriterState State => _state;

    /// <summary>Consumes until <paramref name="stopping"/> fires, then drains: writes and commits what it holds and leaves the group.</summary>
    public void Run(CancellationToken stopping)
    {
        _consumer.Subscribe(Topic);
        _logger.LogInformation("Consuming {Topic} into {Table} as group {Group}", Topic, _destination.Converter.Table, Group);
        try
        {
            while (!stopping.IsCancellationRequested)
                Tick();
        }
        finally
        {
            Drain();
        }
    }

    private void Tick()
    {
        CompleteWriteIfDone();
        var now = Stopwatch.GetTimestamp();
        if (now >= _nextHousekeeping)
        {
            ResetPartitions();
            UpdateLag();
            _nextHousekeeping = now + Stopwatch.Frequency;
        }
        UpdatePause();
        try
        {
            // Up to a slice of what librdkafka has queued per tick: the bookkeeping around it is per tick, not per record.
            for (var i = 0; i < RecordsPerTick; i++)
            {
                var result = _consumer.Consume(i == 0 ? PollTimeout : TimeSpan.Zero);
                if (result is null)
                    break;
                if (result is { IsPartitionEOF: false, Message: not null })
                    Add(result);
            }
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            _logger.LogWarning("Consuming {Topic} failed: {Reason}", Topic, e.Error.Reason);
        }
        _buffers.CloseAged(Stopwatch.GetTimestamp());
        StartWriteIfIdle();
    }

    private void Add(ConsumeResult<string, byte[]> result)
    {
        var partition = result.TopicPartition;
        if (_needsReset.Contains(partition))
            return; // read again from the committed offset once the partition is rewound
        var offset = result.Offset.Value;
        var value = result.Message.Value;
        var bytes = value?.Length ?? 0;
        var timestamp = result.Message.Timestamp.UnixTimestampMs;
        if (_buffers.BatchFor(partition, offset) is not { } batch)
            return;
        var firstRow = batch.Rows.Count;
        var conversion = _destination.Converter.Convert(value, batch.Rows);
        if (conversion.IsTombstone)
        {
            _tombstones.Inc();
            batch.Add(new BatchRecord(offset, [], result.Message.Key, timestamp, firstRow, 0), bytes);
        }
        else if (conversion.Reason is { } reason)
        {
            var deviceId = conversion.DeviceId is { Length: > 0 } id ? id : result.Message.Key ?? "";
            _logger.LogWarning("{Topic}[{Partition}]@{Offset} (device {DeviceId}) goes to iot.rejected as {Reason}: {Detail}",
                Topic, partition.Partition.Value, offset, deviceId, reason, conversion.Detail);
            batch.AddRejected(new Rejection(reason, conversion.Detail, deviceId, Topic, partition.Partition.Value, offset, value ?? [], timestamp), bytes);
        }
        else
            batch.Add(new BatchRecord(offset, value!, result.Message.Key, timestamp, firstRow, conversion.RowCount), bytes);
        _buffers.Added(partition, batch, bytes, batch.Rows.Count - firstRow);
    }

    private void UpdatePause()
    {
        var buffered = _buffers.BufferedBytes + (_inflight?.Bytes ?? 0);
        var overMemory = buffered > _options.MaxBufferedBytes;
        if (overMemory)
            _buffers.CloseAll(); // write early rather than wait for the age limit
        var pause = overMemory || _state.IsRetrying;
        _bufferedBytes.Set(buffered);
        if (pause == _paused)
            return;
        var assignment = _consumer.Assignment;
        if (pause)
            _consumer.Pause(assignment);
        else
            _consumer.Resume(assignment);
        _paused = pause;
        _pausedGauge.Set(pause ? 1 : 0);
        _logger.LogInformation("{Action} {Count} partitions of {Topic}: {Why}", pause ? "Paused" : "Resumed", assignment.Count, Topic,
            pause ? overMemory ? $"{buffered} bytes held" : _state.Failure : "inserts succeed again");
    }

    private void UpdateLag()
    {
        foreach (var partition in _consumer.Assignment)
        {
            var watermarks = _consumer.GetWatermarkOffsets(partition);
            if (watermarks.High == Offset.Unset)
                continue;
            var committed = _committed.TryGetValue(partition, out var c) ? c : watermarks.Low.Value;
            _metrics.ConsumerLag.WithLabels(_destination.Converter.Table, partition.Topic, partition.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Set(Math.Max(0, watermarks.High.Value - committed));
        }
    }

    private void Drain()
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        _buffers.CloseAll();
        WaitForWrite(deadline);
        StartWriteIfIdle();
        WaitForWrite(deadline);
        try
        {
            _consumer.Close(); // leaves the group now instead of after the session timeout
        }
        catch (KafkaException e)
        {
            _logger.LogWarning("Leaving group {Group} failed: {Reason}", Group, e.Message);
        }
        _logger.LogInformation("Stopped consuming {Topic}", Topic);
    }

    public void Dispose()
    {
        _consumer.Dispose();
        _markers.Dispose();
    }
}
