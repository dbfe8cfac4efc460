using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Kafka;
using Streamiz.Kafka.Net.Metrics;

namespace Pipeline.RulesProcessor.Hosting.Rebalancing;

/// <summary>
/// Streamiz's own Kafka clients, with the stream thread's consumer made safe for one case Streamiz 1.8 does not survive:
/// an exception while it gives partitions up in a rebalance.
/// </summary>
/// <remarks>
/// Streamiz's revocation handler sets its "rebalance in progress" flag, commits the offsets of the tasks it is closing,
/// and clears the flag only when that returns. When the commit throws (the coordinator answers "Group rebalance in
/// progress", as librdkafka's mock cluster does when a second instance joins at that moment, or any broker error), the
/// flag stays set, and the stream thread then only sleeps: it never polls again, its tasks stop, and Kafka keeps the
/// member's partitions (heartbeats go on in librdkafka's own thread) while the health check still says RUNNING. Seen in
/// CI's scale-out kill test: one processor's partition stopped for good after the other processor was killed.
/// So a commit refused during revocation is only logged (<see cref="RevocationTolerantConsumer"/>): those offsets stay
/// uncommitted, the partition's next owner processes the records after the last commit again, and the replay protection
/// makes that exact, as after a crash. Java's consumer does the same with a commit that fails while it joins a group.
/// Anything else that fails during revocation stops the process (<paramref name="onUnrecoverable"/>) so that its
/// supervisor starts it again, instead of leaving it silently stalled.
/// </remarks>
public sealed class RevocationTolerantKafkaSupplier(IStreamConfig config, ILogger log, Action<Exception> onUnrecoverable) : IKafkaSupplier
{
    private readonly DefaultKafkaClientSupplier _inner = new(new KafkaLoggerAdapter(config), config);

    public StreamMetricsRegistry MetricsRegistry
    {
        get => _inner.MetricsRegistry;
        set => _inner.MetricsRegistry = value;
    }

    public IConsumer<byte[], byte[]> GetConsumer(ConsumerConfig config, IConsumerRebalanceListener rebalanceListener)
    {
        if (rebalanceListener is null)
            return _inner.GetConsumer(config, rebalanceListener);
        var revocation = new RevocationWindow();
        var consumer = _inner.GetConsumer(config, new RevocationGuardListener(rebalanceListener, revocation, log, onUnrecoverable));
        return new RevocationTolerantConsumer(consumer, revocation, log);
    }

    public IProducer<byte[], byte[]> GetProducer(ProducerConfig config) => _inner.GetProducer(config);

    public IConsumer<byte[], byte[]> GetRestoreConsumer(ConsumerConfig config) => _inner.GetRestoreConsumer(config);

    public IAdminClient GetAdmin(AdminClientConfig config) => _inner.GetAdmin(config);

    public IConsumer<byte[], byte[]> GetGlobalConsumer(ConsumerConfig config) => _inner.GetGlobalConsumer(config);
}

/// <summary>Whether the stream thread is inside its partitions-revoked handler (the handler and the commit run on that thread).</summary>
public sealed class RevocationWindow
{
    public bool IsOpen { get; set; }
}
