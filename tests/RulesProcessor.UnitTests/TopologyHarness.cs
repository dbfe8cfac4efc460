using Google.Protobuf;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.RulesProcessor.Hosting;
using Pipeline.RulesProcessor.Modules.Dedupe;
using Pipeline.RulesProcessor.Modules.Enrich;
using Pipeline.RulesProcessor.Modules.ThresholdAlert;
using Pipeline.RulesProcessor.Modules.Validate;
using Pipeline.RulesProcessor.Modules.Window;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.Topology;
using Prometheus;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>
/// The processor's topology on a TopologyTestDriver: raw bytes in (so tests can send anything), the
/// output topics decoded. State lives in a temporary folder that can outlive one driver to test restarts.
/// </summary>
public sealed class TopologyHarness : IDisposable
{
    public const int SchemaId = 7;
    private static readonly KafkaTopics Topics = new();
    private readonly TopologyTestDriver _driver;
    private readonly bool _ownsStateDir;
    private readonly Lazy<TestInputTopic<string, byte[]>> _devicesIn;
    private readonly Lazy<TestInputTopic<string, byte[]>> _eventsIn;
    private readonly Lazy<TestInputTopic<string, byte[]>> _shadowRequestsIn;

    public TopologyHarness(IEnumerable<ITopologyModule> modules, string? stateDir = null, Replay.IOutputLedgerSource? ledgers = null, RulesMetrics? metrics = null)
    {
        _ownsStateDir = stateDir is null;
        StateDir = stateDir ?? Path.Combine(Path.GetTempPath(), $"rules-unit-{Guid.NewGuid():N}");
        Metrics = metrics ?? new RulesMetrics(new CollectorRegistry());
        var plan = new RulesTopology(modules.ToList(), Topics, "rules-unit");
        var config = StreamSettings.Create(new RulesOptions { ApplicationId = "rules-unit" }, new Pipeline.ServiceDefaults.Kafka.KafkaClientFactory(new Pipeline.ServiceDefaults.KafkaOptions { BootstrapServers = "unused:9092" }, "rules-unit"), StateDir);
        _driver = new TopologyTestDriver(plan.Build(new StaticSchemaCatalog(SchemaId), Metrics, ledgers), config);
        Raw = _driver.CreateInputTopic(Topics.TelemetryRaw, new StringSerDes(), new ByteArraySerDes());
        _devicesIn = new(() => _driver.CreateInputTopic(Topics.Devices, new StringSerDes(), new ByteArraySerDes()));
        _eventsIn = new(() => _driver.CreateInputTopic(Topics.EventsRaw, new StringSerDes(), new ByteArraySerDes()));
        _shadowRequestsIn = new(() => _driver.CreateInputTopic(Topics.ShadowRequests, new StringSerDes(), new ByteArraySerDes()));
        Enriched = Output<EnrichedTelemetry>(Topics.TelemetryEnriched);
        Rejected = Output<RejectedMessage>(Topics.Rejected);
        Aggregates = Output<MetricAggregate>(Topics.TelemetryAgg1m);
        Events = Output<DeviceEvent>(Topics.EventsRaw);
    }

    public string StateDir { get; }

    public RulesMetrics Metrics { get; }

    public TestInputTopic<string, byte[]> Raw { get; }

    /// <summary>Only for topologies that read the registry (the driver refuses topics the topology does not read).</summary>
    public TestInputTopic<string, byte[]> DevicesIn => _devicesIn.Value;

    /// <summary>Only for topologies that read device events (the rules module).</summary>
    public TestInputTopic<string, byte[]> EventsIn => _eventsIn.Value;

    /// <summary>Only for topologies that read shadow requests (the shadow writer, the rules module).</summary>
    public TestInputTopic<string, byte[]> ShadowRequestsIn => _shadowRequestsIn.Value;

    public TestOutputTopic<string, ShadowDocument> Shadows => Output<ShadowDocument>(Topics.Shadows);

    public TestOutputTopic<string, EnrichedTelemetry> Enriched { get; }

    public TestOutputTopic<string, DeviceCommand> Commands => Output<DeviceCommand>(Topics.Commands);

    /// <summary>A topic of JSON records (a rules kafka action's, iot.rule.rows, iot.rule.http).</summary>
    public TestOutputTopic<string, string> Json(string topic) =>
        _driver.CreateOutputTopic(topic, TimeSpan.FromSeconds(1), new StringSerDes(), new StringSerDes());

    public TestOutputTopic<string, RejectedMessage> Rejected { get; }

    public TestOutputTopic<string, MetricAggregate> Aggregates { get; }

    public TestOutputTopic<string, DeviceEvent> Events { get; }

    public static ValidateModule Validate(ValidateOptions? options = null) => new(Options.Create(options ?? new ValidateOptions()));

    public static DedupeModule Dedupe(TimeSpan? window = null) =>
        new(Options.Create(new DedupeOptions { Window = window ?? TimeSpan.FromMinutes(10) }));

    public static EnrichModule Enrich() => new();

    public static WindowModule Window(WindowOptions? options = null) => new(Options.Create(options ?? new WindowOptions()));

    public static ThresholdAlertModule ThresholdAlert(params ThresholdRule[] rules) =>
        new(Options.Create(new ThresholdAlertOptions { Rules = rules.ToList() }));

    /// <summary>Writes a telemetry record keyed by its device id, framed as the bridge frames it.</summary>
    public void Send(TelemetryRecord record) => Raw.PipeInput(record.DeviceId, Frame(record));

    /// <summary>
    /// Moves the processor's wall clock on (the driver's mock clock), which runs processing-time punctuations; in steps
    /// of a second because, seen here (Streamiz 1.8.2), one large step made the driver punctuate on for ten times as long,
    /// and each step adds about 100 ms of its own.
    /// </summary>
    public void AdvanceWallClock(TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(1))
            _driver.AdvanceWallClockTime(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
    }

    public void SendRaw(string? key, byte[] value) => Raw.PipeInput(key!, value);

    public void Register(string deviceId, bool revoked = false, params (string Key, string Value)[] attributes)
    {
        var record = new DeviceRecord { DeviceId = deviceId, Revoked = revoked, CreatedTsMs = 1 };
        foreach (var (key, value) in attributes)
            record.Attributes[key] = value;
        DevicesIn.PipeInput(deviceId, Frame(record));
    }

    public void Delete(string deviceId) => DevicesIn.PipeInput(deviceId, null!);

    public static byte[] Frame<T>(T message, int schemaId = SchemaId) where T : class, IMessage<T>, new() =>
        ProtobufSerializer<T>.Encode(message, schemaId);

    public void Dispose()
    {
        _driver.Dispose();
        if (_ownsStateDir)
            DeleteStateDir(StateDir);
    }

    public static void DeleteStateDir(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private TestOutputTopic<string, T> Output<T>(string topic) where T : class, IMessage<T>, new() =>
        _driver.CreateOutputTopic(topic, TimeSpan.FromSeconds(1), new StringSerDes(), new ProtobufSerDes<T>(SchemaId));
}
