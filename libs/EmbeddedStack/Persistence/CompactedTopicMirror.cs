using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.EmbeddedStack.Persistence;

/// <summary>
/// Restores a compacted topic from its snapshot file at start, then follows the topic and
/// rewrites the snapshot whenever it changed (at most once a second, and once more at stop).
/// </summary>
/// <remarks>
/// Its clients are built from plain configs, not the services' KafkaClientFactory: they only ever talk to the
/// embedded mock cluster this stack started, which speaks PLAINTEXT on loopback and has no credentials to give.
/// Their librdkafka lines still go to the stack's logger, as every service client's do (without a handler
/// librdkafka prints them raw into `up`'s output).
/// Unlike the services' compacted-topic views it joins a group and drains to the end at stop (see CaughtUp),
/// so it does not share their follower.
/// </remarks>
public sealed class CompactedTopicMirror(string bootstrapServers, string topic, string snapshotPath, ILogger logger) : IAsyncDisposable
{
    /// <summary>
    /// The services' Kafka:SocketTimeoutMs default: after an outage the mock cluster leaves requests sent on its old
    /// connections unanswered, and librdkafka's own 60 s would keep the mirror still that long.
    /// </summary>
    private const int MockRequestTimeoutMs = 10_000;

    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private CompactedTopicSnapshot _snapshot = new();

    public async Task StartAsync(CancellationToken ct)
    {
        _snapshot = CompactedTopicSnapshot.Load(snapshotPath);
        if (_snapshot.Count > 0)
        {
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
            {
                BootstrapServers = bootstrapServers,
                Acks = Acks.All,
                EnableIdempotence = true,
                SocketTimeoutMs = MockRequestTimeoutMs,
            }).SetLogHandler((_, m) => LibrdkafkaLog.Write(logger, m)).Build();
            foreach (var (key, value) in _snapshot.Entries)
                producer.Produce(topic, new Message<string, byte[]> { Key = key, Value = value });
            await Task.Run(() => producer.Flush(ct), ct);
            logger.LogInformation("Restored {Count} records of {Topic} from {Snapshot}", _snapshot.Count, topic, snapshotPath);
        }
        _loop = Task.Factory.StartNew(Follow, TaskCreationOptions.LongRunning);
    }

    private void Follow()
    {
        using var consumer = new ConsumerBuilder<string, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"embedded-stack-mirror-{topic}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SocketTimeoutMs = MockRequestTimeoutMs,
        }).SetLogHandler((_, m) => LibrdkafkaLog.Write(logger, m)).Build();
        consumer.Subscribe(topic);
        var dirty = false;
        var lastSave = DateTime.UtcNow;
        while (!_stop.IsCancellationRequested || !CaughtUp(consumer))
        {
            try
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message is { } message && message.Key is not null)
                    dirty |= _snapshot.Apply(message.Key, message.Value);
                if (dirty && DateTime.UtcNow - lastSave > TimeSpan.FromSeconds(1))
                {
                    _snapshot.Save(snapshotPath);
                    (dirty, lastSave) = (false, DateTime.UtcNow);
                }
            }
            catch (ConsumeException e)
            {
                logger.LogWarning("Mirror of {Topic} could not read: {Reason}", topic, e.Error.Reason);
            }
        }
        if (dirty) _snapshot.Save(snapshotPath);
        consumer.Close();
    }

    private DateTime? _stopDeadline;

    /// <summary>At stop, keep reading until every partition's end (as of the stop) is reached, for at most 5 s.</summary>
    private bool CaughtUp(IConsumer<string, byte[]?> consumer)
    {
        _stopDeadline ??= DateTime.UtcNow.AddSeconds(5);
        if (DateTime.UtcNow > _stopDeadline) return true;
        foreach (var partition in consumer.Assignment)
        {
            var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(1)).High;
            var position = consumer.Position(partition);
            if (end > 0 && (position == Offset.Unset || position < end)) return false;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}
