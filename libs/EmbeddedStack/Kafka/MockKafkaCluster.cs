using Confluent.Kafka;

namespace Pipeline.EmbeddedStack.Kafka;

/// <summary>
/// A Kafka cluster inside this process: librdkafka's mock cluster, which speaks the real Kafka protocol over TCP
/// on 127.0.0.1 (ephemeral ports), so other processes, Confluent.Kafka clients, Streamiz and kcat connect to it
/// as to a broker.
/// </summary>
/// <remarks>
/// Limits of the mock (it has no CreateTopics/DescribeConfigs admin API): create every topic up front, including
/// Streamiz internal topics (see <see cref="StreamizTopics"/>). Checked here against librdkafka 2.16 with
/// Confluent.Kafka producers/consumers (see tests/EmbeddedStack.IntegrationTests/Kafka):
/// - compression.type lz4 and zstd (also gzip, snappy): produced and consumed back intact;
/// - idempotent producer (enable.idempotence=true, acks=all): works, delivery reports are Persisted;
/// - transactions: InitTransactions/Begin/Commit work, a read_committed consumer sees committed records and
///   not aborted ones.
/// The mock keeps everything in memory and does not replicate, so replicationFactor only affects metadata.
///
/// Consumer groups (checked): a group's first assignment waits group.initial.rebalance.delay.ms (3 s, settable
/// with <see cref="SetGroupInitialRebalanceDelay"/>). But once a group has formed, any later join or leave makes
/// the mock coordinator wait session.timeout.ms - 1 s before it hands out partitions again; it does not finish
/// early when every member has rejoined, as a real broker does. With the client default of 45 s, a consumer that
/// restarts, or a second member that joins late, gets no partitions for 44 s. Consumers that run against the
/// embedded cluster should set SessionTimeoutMs = <see cref="SuggestedSessionTimeoutMs"/> (also a valid value for a
/// real broker, whose minimum is 6 s): the wait is then about 5 s.
/// </remarks>
public sealed class MockKafkaCluster : IDisposable
{
    /// <summary>session.timeout.ms for consumers of the embedded cluster; see the remarks on rebalances.</summary>
    public const int SuggestedSessionTimeoutMs = 6000;

    private readonly Lock _lock = new();
    private IntPtr _rk;
    private IntPtr _cluster;

    private MockKafkaCluster(IntPtr rk, IntPtr cluster, int brokerCount)
    {
        _rk = rk;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = LibRdKafkaNative.MockClusterBootstraps(cluster);
    }

    /// <summary>Comma-separated host:port list of the brokers, all on 127.0.0.1.</summary>
    public string BootstrapServers { get; }

    /// <summary>Brokers have ids 1..BrokerCount.</summary>
    public int BrokerCount { get; }

    /// <summary>
    /// Names this cluster's logs. Every start is a new, empty cluster whose offsets begin at 0 again, so
    /// a service that remembers offsets across runs (the processor's replay guard) must not take this
    /// run's offsets for the last run's: `up` hands this to the services as Kafka:LogIncarnation.
    /// </summary>
    public string Incarnation { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Starts a cluster; one broker is fastest, three allow leader/ISR-like scenarios.</summary>
    public static MockKafkaCluster Start(int brokerCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokerCount, 16);

        // The mock cluster needs an rd_kafka_t for bookkeeping only; it never connects anywhere, so silence its
        // "no bootstrap.servers configured" warning.
        var rk = LibRdKafkaNative.NewProducerHandle(new Dictionary<string, string>
        {
            ["client.id"] = "pipeline-embedded-kafka",
            ["log_level"] = "3",
        });
        var cluster = LibRdKafkaNative.MockClusterNew(rk, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            LibRdKafkaNative.Destroy(rk);
            throw new InvalidOperationException(
                $"rd_kafka_mock_cluster_new failed (librdkafka at {LibRdKafkaNative.LibraryPath}); could it listen on 127.0.0.1?");
        }
        return new MockKafkaCluster(rk, cluster, brokerCount);
    }

    /// <summary>Creates a topic; fails with librdkafka's reason (e.g. invalid partition count).</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        if (replicationFactor > BrokerCount)
            throw new ArgumentOutOfRangeException(nameof(replicationFactor), replicationFactor,
                $"Replication factor {replicationFactor} exceeds the cluster's {BrokerCount} broker(s).");

        var err = LibRdKafkaNative.MockTopicCreate(Handle(), name, partitions, replicationFactor);
        if (err != 0)
            throw new KafkaMockException(
                $"Creating topic '{name}' ({partitions} partitions, rf {replicationFactor}) failed: {Describe(err)}", err);
    }

    public void CreateTopics(IEnumerable<string> names, int partitions)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
            CreateTopic(name, partitions);
    }

    /// <summary>
    /// Moves a partition's leadership to <paramref name="brokerId"/>. With the topics a test must stop on a broker of their
    /// own, <see cref="SetBrokerDown"/> holds exactly their writes in the producers while every other topic flows.
    /// (Checked: a leaderless partition, broker -1, crashed the process hosting the mock cluster.)
    /// </summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Check(LibRdKafkaNative.MockPartitionSetLeader(Handle(), topic, partition, ValidBroker(brokerId)),
            $"set the leader of {topic}[{partition}] to {brokerId}");

    /// <summary>Pins the coordinator of a consumer group (<paramref name="keyType"/> "group") or transactional id ("transaction").</summary>
    public void SetCoordinator(string keyType, string key, int brokerId) =>
        Check(LibRdKafkaNative.MockCoordinatorSet(Handle(), keyType, key, ValidBroker(brokerId)), $"set the {keyType} coordinator of {key} to {brokerId}");

    /// <summary>Disconnects the broker and refuses new connections (no leader change).</summary>
    public void SetBrokerDown(int brokerId) => Check(LibRdKafkaNative.MockBrokerSetDown(Handle(), ValidBroker(brokerId)), $"set broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(LibRdKafkaNative.MockBrokerSetUp(Handle(), ValidBroker(brokerId)), $"set broker {brokerId} up");

    public void SetAllBrokersDown() => Check(LibRdKafkaNative.MockBrokerSetDown(Handle(), -1), "set all brokers down");

    public void SetAllBrokersUp() => Check(LibRdKafkaNative.MockBrokerSetUp(Handle(), -1), "set all brokers up");

    /// <summary>
    /// The next <paramref name="errors"/>.Length requests with this Kafka protocol ApiKey (Produce = 0, Fetch = 1,
    /// ...) fail with these errors, in order. <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection.
    /// </summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
            return;
        LibRdKafkaNative.MockPushRequestErrors(Handle(), apiKey, errors.Select(e => (int)e).ToArray());
    }

    /// <summary>
    /// The broker setting group.initial.rebalance.delay.ms (3 s by default, as on a real broker) for groups created
    /// from now on. Tests set it to zero so that every consumer group does not wait 3 s before its first assignment.
    /// </summary>
    public void SetGroupInitialRebalanceDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        LibRdKafkaNative.MockGroupInitialRebalanceDelay(Handle(), checked((int)delay.TotalMilliseconds));
    }

    public void ClearRequestErrors(short apiKey) => LibRdKafkaNative.MockClearRequestErrors(Handle(), apiKey);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_cluster != IntPtr.Zero)
            {
                LibRdKafkaNative.MockClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }
            if (_rk != IntPtr.Zero)
            {
                LibRdKafkaNative.Destroy(_rk);
                _rk = IntPtr.Zero;
            }
        }
    }

    private IntPtr Handle()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            return _cluster;
        }
    }

    private int ValidBroker(int brokerId)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids are 1..{BrokerCount}.");
        return brokerId;
    }

    private static void Check(int err, string what)
    {
        if (err != 0)
            throw new KafkaMockException($"Could not {what}: {Describe(err)}", err);
    }

    private static string Describe(int err) => $"{(ErrorCode)err} ({LibRdKafkaNative.ErrorString(err)})";
}
