using Microsoft.Extensions.Configuration;
using Pipeline.Cli.Supervision.Balancer;
using Pipeline.EmbeddedStack;
using Pipeline.EmbeddedStack.Credentials;

namespace Pipeline.Cli.Supervision;

/// <summary>
/// The services `up` runs (the three stages, as many instances of each as asked, and the web console), and the
/// configuration each instance gets from the
/// embedded stack. Services inherit this process's environment, so a PIPELINE__ override set for `up` reaches them
/// too; what must differ per instance is set here (its HTTP address, a bridge's listener ports behind the balancer,
/// a processor's state folder). The listener ports read here only decide what the endpoints file says.
/// Only the sink talks to ClickHouse, as the sink user (insert and select); `up` has applied the migrations as the
/// migrator before (UpCommand), so the sink does not need DDL rights.
/// </summary>
public sealed partial class PipelineServices
{
    public const string Bridge = "mqtt-bridge", Rules = "rules-processor", Sink = "sink-writer", Balancer = "balancer", Console = "web-console";

    private readonly IConfiguration _configuration;
    private readonly StackEndpoints _stack;
    private readonly StackCredentials _credentials;
    private readonly string _stateDir;
    private readonly string _kafkaIncarnation;
    private readonly IReadOnlyList<string> _bridgeHttp, _rulesHttp, _sinkHttp;
    private readonly IReadOnlyList<BridgeBackend> _backends;

    public PipelineServices(IConfiguration configuration, StackEndpoints stack, StackCredentials credentials, string stateDir, string kafkaIncarnation, InstanceCounts counts)
    {
        (_configuration, _stack, _credentials, _stateDir, _kafkaIncarnation, Counts) = (configuration, stack, credentials, Path.GetFullPath(stateDir), kafkaIncarnation, counts);
        // Instance 1 keeps the configured address (Services:*HttpUrl); the others get private loopback ports.
        IReadOnlyList<string> Http(string key, string fallback, int count) =>
            [configuration[key] ?? fallback, .. Enumerable.Range(2, count - 1).Select(_ => PrivatePorts.HttpUrl())];
        _bridgeHttp = Http("Services:BridgeHttpUrl", "http://127.0.0.1:9101", counts.Bridges);
        _rulesHttp = Http("Services:RulesHttpUrl", "http://127.0.0.1:9102", counts.Processors);
        _sinkHttp = Http("Services:SinkHttpUrl", "http://127.0.0.1:9103", counts.Sinks);
        var listeners = counts.NeedsBalancer ? PublicListeners.From(configuration) : null;
        _backends = listeners is null ? [] :
            [.. _bridgeHttp.Select((http, i) => BridgeBackend.Allocate(InstanceCounts.Name(Bridge, i + 1, counts.Bridges), listeners, http))];
    }

    public InstanceCounts Counts { get; }

    private string CaDirectory => Path.Combine(_stateDir, "ca");
    private string BalancerHttp => _configuration["Services:BalancerHttpUrl"] ?? "http://127.0.0.1:9104";
    private string ConsoleHttp => _configuration["Services:ConsoleHttpUrl"] ?? "http://127.0.0.1:8080";

    /// <summary>Every bridge instance; behind the balancer each listens on its own private loopback ports.</summary>
    public IReadOnlyList<ServiceSpec> Bridges() => [.. Enumerable.Range(1, Counts.Bridges).Select(i =>
    {
        var settings = new List<(string, string)>
        {
            ("PIPELINE__Listeners__CaDirectory", CaDirectory),
            // The operator APIs (shadows, rules, commands) take the token kept in credentials.json, which the CLI reads too.
            ("PIPELINE__OperatorApi__Token", _credentials.OperatorToken),
            // HTTP publish with a device token is on under `up` (a development pipeline, whose MQTT port takes tokens
            // over plain TCP anyway); the bridge's own default is certificates only.
            // Device token hashes are keyed with this secret; `devices add` and `simulate` read it from credentials.json too.
            ("PIPELINE__DeviceTokens__Pepper", _credentials.TokenPepper ?? throw new InvalidOperationException("The credentials have no token pepper.")),
            ("PIPELINE__Listeners__HttpsAllowDeviceTokens", _configuration["Listeners:HttpsAllowDeviceTokens"] ?? "true"),
        };
        if (_backends.Count > 0)
            settings.AddRange(_backends[i - 1].ListenerSettings());
        // The default instance id (host and process id) differs per process already; a configured one gets the instance number.
        if (Counts.Bridges > 1 && _configuration["Bridge:InstanceId"] is { Length: > 0 } id)
            settings.Add(("PIPELINE__Bridge__InstanceId", $"{id}-{i}"));
        return Spec(Bridge, i, Counts.Bridges, "Pipeline.MqttBridge", _bridgeHttp[i - 1], settings);
    })];

    /// <summary>
    /// Every processor instance: one Streamiz application id, so they share its consumer group and split the partitions;
    /// each keeps its RocksDB state in its own folder (two processes cannot open one store).
    /// </summary>
    public IReadOnlyList<ServiceSpec> Processors() => [.. Enumerable.Range(1, Counts.Processors).Select(i =>
    {
        var settings = new List<(string, string)>
        {
            // At-least-once on the embedded stack: librdkafka's mock cluster does not keep offsets committed
            // inside transactions and does not abort a killed producer's open transaction, so exactly-once
            // buys nothing here; the processor's replay protection (docs/topologies.md, "Replays after a crash")
            // keeps a kill -9 exact in both modes. Rules:Guarantee=ExactlyOnce still works: Kafka:LogIncarnation
            // keeps its replay guard per run.
            ("PIPELINE__Rules__Guarantee", _configuration["Rules:Guarantee"] ?? "AtLeastOnce"),
        };
        if (i > 1)
            settings.Add(("PIPELINE__Rules__StateDir", (_configuration["Rules:StateDir"] is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(_stateDir, Rules)) + $"-{i}"));
        return Spec(Rules, i, Counts.Processors, "Pipeline.RulesProcessor", _rulesHttp[i - 1], settings);
    })];

    /// <summary>Every sink instance: they share the sink's consumer groups (one per table) and split their partitions.</summary>
    public IReadOnlyList<ServiceSpec> Sinks() => [.. Enumerable.Range(1, Counts.Sinks).Select(i => Spec(Sink, i, Counts.Sinks, "Pipeline.SinkWriter", _sinkHttp[i - 1],
    [
        // The mock cluster holds a rebalance for session timeout - 1 s: a sink restarted after a
        // crash gets its partitions back after ~5 s instead of ~44 s.
        ("PIPELINE__SinkWriter__KafkaSessionTimeout", _configuration["SinkWriter:KafkaSessionTimeout"] ?? "00:00:06"),
        // Environment variables of a process are readable only by its user (/proc/PID/environ is 0400).
        ("PIPELINE__ClickHouse__User", _credentials.ClickHouse.Sink.User),
        ("PIPELINE__ClickHouse__Password", _credentials.ClickHouse.Sink.Password),
        ("PIPELINE__SinkWriter__MigrateOnStart", "false"),
    ]))];

    /// <summary>
    /// The web console (docs/console.md): sign-in with the operator token, the bridge's operator APIs (instance 1's, as
    /// the CLI's), every instance's /metrics for its Pipeline page, and ClickHouse as the read-only analyst, the same
    /// access as `./pipeline query`.
    /// </summary>
    public ServiceSpec ConsoleSpec()
    {
        var settings = new List<(string, string)>
        {
            ("PIPELINE__Console__OperatorToken", _credentials.OperatorToken),
            ("PIPELINE__DeviceTokens__Pepper", _credentials.TokenPepper ?? throw new InvalidOperationException("The credentials have no token pepper.")),
            ("PIPELINE__Console__BridgeUrl", _bridgeHttp[0]),
            ("PIPELINE__ClickHouse__User", _credentials.ClickHouse.Analyst.User),
            ("PIPELINE__ClickHouse__Password", _credentials.ClickHouse.Analyst.Password),
        };
        settings.AddRange(MetricsUrls().Select(m => ($"PIPELINE__Console__Metrics__{m.Key}", m.Value)));
        return Spec(Console, 1, 1, "Pipeline.WebConsole", ConsoleHttp, settings);
    }

    /// <summary>haproxy.cfg for the bridges (only with more than one bridge).</summary>
    public string BalancerConfiguration() => HaproxyConfig.Render(PublicListeners.From(_configuration), _backends, BalancerHttp);

    /// <summary>HAProxy in the foreground (-db), supervised like the services.</summary>
    public ServiceSpec BalancerSpec(string haproxy, string configPath) =>
        new(Balancer, Balancer, haproxy, ["-db", "-f", configPath], BalancerHttp, new Dictionary<string, string>());

    private ServiceSpec Spec(string service, int instance, int count, string assembly, string http, IEnumerable<(string Key, string Value)> extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE__Kafka__BootstrapServers"] = _stack.Kafka,
            ["PIPELINE__Kafka__SchemaRegistryUrl"] = _stack.SchemaRegistry,
            ["PIPELINE__ClickHouse__Url"] = _stack.Clickhouse,
            ["PIPELINE__StateDir"] = _stateDir,
            // The embedded Kafka is new and empty at every run: offsets the processor remembers from an
            // earlier run must not apply to this one.
            ["PIPELINE__Kafka__LogIncarnation"] = _kafkaIncarnation,
            // The embedded Schema Registry takes schema registrations from this user only.
            ["PIPELINE__Kafka__SchemaRegistryUsername"] = _credentials.SchemaRegistryWriter.User,
            ["PIPELINE__Kafka__SchemaRegistryPassword"] = _credentials.SchemaRegistryWriter.Password,
            ["PIPELINE__Http__Url"] = http,
            // The mock cluster holds a fetch that finds no data for the whole wait, even when data arrives meanwhile (a
            // broker answers at once), and answers the client's other requests on that connection, commits too, after it.
            // At 100 ms (the services' default) that added ~125 ms to the end-to-end latency at 3,800 msg/s; 20 ms costs
            // ~1.7% of a core more at idle (docs/operations.md, Kafka:FetchWaitMaxMs; docs/topologies.md, "End-to-end latency per stage").
            ["PIPELINE__Kafka__FetchWaitMaxMs"] = _configuration["Kafka:FetchWaitMaxMs"] ?? "20",
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return ServiceSpec.Dotnet(InstanceCounts.Name(service, instance, count), service, Binary(service, assembly), http, environment);
    }

    /// <summary>The endpoints file: the public addresses (the balancer's when there is one) and every instance's /metrics.</summary>
    public StackEndpoints Endpoints()
    {
        var host = _configuration["Listeners:BindAddress"] is { Length: > 0 } bind && bind != "0.0.0.0" ? bind : "127.0.0.1";
        var metrics = MetricsUrls();
        return _stack with
        {
            Mqtt = $"{host}:{_configuration["Listeners:TcpPort"] ?? "1883"}",
            Mqtts = $"{host}:{_configuration["Listeners:TlsPort"] ?? "8883"}",
            Https = _configuration["Listeners:HttpsPort"] == "-1" ? null : $"https://{host}:{_configuration["Listeners:HttpsPort"] ?? "8443"}",
            MqttWs = $"ws://{host}:{_configuration["Listeners:WebSocketPort"] ?? "8083"}{_configuration["Listeners:WebSocketPath"] ?? "/mqtt"}",
            CaCert = Path.Combine(CaDirectory, "ca.crt"),
            Console = ConsoleHttp,
            Metrics = metrics,
        };
    }

    /// <summary>Every instance's /metrics by name: instance 1 of each service is "bridge", "rules", "sink" as with one instance (tools find the bridge's operator API by it).</summary>
    private Dictionary<string, string> MetricsUrls()
    {
        var metrics = new Dictionary<string, string>();
        void Add(string key, IReadOnlyList<string> urls)
        {
            for (var i = 0; i < urls.Count; i++)
                metrics[i == 0 ? key : $"{key}-{i + 1}"] = urls[i] + "/metrics";
        }
        Add("bridge", _bridgeHttp);
        Add("rules", _rulesHttp);
        Add("sink", _sinkHttp);
        if (Counts.NeedsBalancer) metrics[Balancer] = BalancerHttp + "/metrics";
        return metrics;
    }

    public static string RulesProcessorBinary => Binary("rules-processor", "Pipeline.RulesProcessor");

    /// <summary>The service's build output for the same configuration (Release/Debug) as this CLI.</summary>
    private static string Binary(string folder, string assembly)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        var path = Path.Combine(RepositoryPaths.Root, "services", folder, "bin", configuration, "net10.0", assembly + ".dll");
        if (!File.Exists(path))
            throw new CliException($"{assembly} is not built at {path}; run ./pipeline (it builds) or dotnet build -c {configuration}.");
        return path;
    }
}
