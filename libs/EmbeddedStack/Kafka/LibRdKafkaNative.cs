using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Pipeline.EmbeddedStack.Kafka;

/// <summary>
/// The few librdkafka C functions the mock cluster needs, bound to the very native file Confluent.Kafka loaded.
/// </summary>
/// <remarks>
/// Why not [DllImport("librdkafka")]: on Debian 12 the default librdkafka.so of librdkafka.redist cannot load
/// (it needs libsasl2.so.3), so Confluent.Kafka falls back to its bundled centos8-librdkafka.so. A plain DllImport
/// would fail, or worse bind to a second copy whose mock cluster and clients do not share state. We resolve the
/// exports from the loaded file into function pointers instead of registering a DllImportResolver, because an
/// assembly can have only one resolver and other embedded servers in this assembly may need theirs.
/// </remarks>
internal static unsafe class LibRdKafkaNative
{
    private const int ErrStrSize = 512;
    private static readonly Lazy<Exports> _exports = new(Bind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Path of the librdkafka file in use (for diagnostics).</summary>
    public static string LibraryPath => _exports.Value.Path;

    private static Exports E => _exports.Value;

    public static IntPtr NewProducerHandle(IReadOnlyDictionary<string, string> config)
    {
        var conf = E.ConfNew();
        var errstr = stackalloc byte[ErrStrSize];
        foreach (var (name, value) in config)
        {
            fixed (byte* n = Utf8(name), v = Utf8(value))
            {
                if (E.ConfSet(conf, n, v, errstr, ErrStrSize) != 0)
                {
                    E.ConfDestroy(conf);
                    throw new InvalidOperationException($"librdkafka rejected '{name}': {ReadUtf8(errstr)}");
                }
            }
        }
        // On success rd_kafka_new takes ownership of conf; on failure it stays ours.
        var rk = E.New(0 /* RD_KAFKA_PRODUCER */, conf, errstr, ErrStrSize);
        if (rk == IntPtr.Zero)
        {
            E.ConfDestroy(conf);
            throw new InvalidOperationException($"rd_kafka_new failed: {ReadUtf8(errstr)}");
        }
        return rk;
    }

    public static void Destroy(IntPtr rk) => E.Destroy(rk);

    public static IntPtr MockClusterNew(IntPtr rk, int brokerCount) => E.MockClusterNew(rk, brokerCount);

    public static void MockClusterDestroy(IntPtr cluster) => E.MockClusterDestroy(cluster);

    public static string MockClusterBootstraps(IntPtr cluster) => ReadUtf8((byte*)E.MockClusterBootstraps(cluster));

    public static int MockTopicCreate(IntPtr cluster, string topic, int partitions, int replicationFactor)
    {
        fixed (byte* t = Utf8(topic))
            return E.MockTopicCreate(cluster, t, partitions, replicationFactor);
    }

    public static int MockPartitionSetLeader(IntPtr cluster, string topic, int partition, int brokerId)
    {
        fixed (byte* t = Utf8(topic))
            return E.MockPartitionSetLeader(cluster, t, partition, brokerId);
    }

    public static int MockCoordinatorSet(IntPtr cluster, string keyType, string key, int brokerId)
    {
        fixed (byte* t = Utf8(keyType), k = Utf8(key))
            return E.MockCoordinatorSet(cluster, t, k, brokerId);
    }

    public static int MockBrokerSetDown(IntPtr cluster, int brokerId) => E.MockBrokerSetDown(cluster, brokerId);

    public static int MockBrokerSetUp(IntPtr cluster, int brokerId) => E.MockBrokerSetUp(cluster, brokerId);

    public static int MockBrokerSetHostPort(IntPtr cluster, int brokerId, string host, int port)
    {
        fixed (byte* h = Utf8(host))
            return E.MockBrokerSetHostPort(cluster, brokerId, h, port);
    }

    public static void MockPushRequestErrors(IntPtr cluster, short apiKey, int[] errors)
    {
        fixed (int* e = errors)
            E.MockPushRequestErrorsArray(cluster, apiKey, (nuint)errors.Length, e);
    }

    public static void MockClearRequestErrors(IntPtr cluster, short apiKey) => E.MockClearRequestErrors(cluster, apiKey);

    public static void MockGroupInitialRebalanceDelay(IntPtr cluster, int delayMs) => E.MockGroupInitialRebalanceDelayMs(cluster, delayMs);

    public static string ErrorString(int err) => ReadUtf8((byte*)E.Err2Str(err));

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s + '\0');

    private static string ReadUtf8(byte* p) => p == null ? "" : Marshal.PtrToStringUTF8((IntPtr)p) ?? "";

    private static Exports Bind()
    {
        var (path, handle) = LoadedLibraryLocator.Load();
        return new Exports(path, handle);
    }

    private sealed class Exports(string path, IntPtr handle)
    {
        public string Path { get; } = path;
        public readonly delegate* unmanaged<IntPtr> ConfNew = (delegate* unmanaged<IntPtr>)Get(handle, "rd_kafka_conf_new");
        public readonly delegate* unmanaged<IntPtr, void> ConfDestroy = (delegate* unmanaged<IntPtr, void>)Get(handle, "rd_kafka_conf_destroy");
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)Get(handle, "rd_kafka_conf_set");
        public readonly delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> New = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)Get(handle, "rd_kafka_new");
        public readonly delegate* unmanaged<IntPtr, void> Destroy = (delegate* unmanaged<IntPtr, void>)Get(handle, "rd_kafka_destroy");
        public readonly delegate* unmanaged<int, IntPtr> Err2Str = (delegate* unmanaged<int, IntPtr>)Get(handle, "rd_kafka_err2str");
        public readonly delegate* unmanaged<IntPtr, int, IntPtr> MockClusterNew = (delegate* unmanaged<IntPtr, int, IntPtr>)Get(handle, "rd_kafka_mock_cluster_new");
        public readonly delegate* unmanaged<IntPtr, void> MockClusterDestroy = (delegate* unmanaged<IntPtr, void>)Get(handle, "rd_kafka_mock_cluster_destroy");
        public readonly delegate* unmanaged<IntPtr, IntPtr> MockClusterBootstraps = (delegate* unmanaged<IntPtr, IntPtr>)Get(handle, "rd_kafka_mock_cluster_bootstraps");
        public readonly delegate* unmanaged<IntPtr, byte*, int, int, int> MockTopicCreate = (delegate* unmanaged<IntPtr, byte*, int, int, int>)Get(handle, "rd_kafka_mock_topic_create");
        public readonly delegate* unmanaged<IntPtr, byte*, int, int, int> MockPartitionSetLeader = (delegate* unmanaged<IntPtr, byte*, int, int, int>)Get(handle, "rd_kafka_mock_partition_set_leader");
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, int, int> MockCoordinatorSet = (delegate* unmanaged<IntPtr, byte*, byte*, int, int>)Get(handle, "rd_kafka_mock_coordinator_set");
        public readonly delegate* unmanaged<IntPtr, int, int> MockBrokerSetDown = (delegate* unmanaged<IntPtr, int, int>)Get(handle, "rd_kafka_mock_broker_set_down");
        public readonly delegate* unmanaged<IntPtr, int, int> MockBrokerSetUp = (delegate* unmanaged<IntPtr, int, int>)Get(handle, "rd_kafka_mock_broker_set_up");
        public readonly delegate* unmanaged<IntPtr, int, byte*, int, int> MockBrokerSetHostPort = (delegate* unmanaged<IntPtr, int, byte*, int, int>)Get(handle, "rd_kafka_mock_broker_set_host_port");
        // rd_kafka_mock_push_request_errors is C-variadic, which P/Invoke cannot call portably; the _array form is exported.
        public readonly delegate* unmanaged<IntPtr, short, nuint, int*, void> MockPushRequestErrorsArray = (delegate* unmanaged<IntPtr, short, nuint, int*, void>)Get(handle, "rd_kafka_mock_push_request_errors_array");
        public readonly delegate* unmanaged<IntPtr, short, void> MockClearRequestErrors = (delegate* unmanaged<IntPtr, short, void>)Get(handle, "rd_kafka_mock_clear_request_errors");

        public readonly delegate* unmanaged<IntPtr, int, void> MockGroupInitialRebalanceDelayMs = (delegate* unmanaged<IntPtr, int, void>)Get(handle, "rd_kafka_mock_group_initial_rebalance_delay_ms");

        private static IntPtr Get(IntPtr handle, string name) =>
            NativeLibrary.TryGetExport(handle, name, out var address)
                ? address
                : throw new EntryPointNotFoundException($"The loaded librdkafka has no export '{name}' (mock cluster support missing?).");
    }
}
