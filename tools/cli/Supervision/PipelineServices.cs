using Microsoft.Extensions.Configuration;
using Pipeline.EmbeddedStack;
using Pipeline.EmbeddedStack.Credentials;

namespace Pipeline.Cli.Supervision;

/// <summary>
/// The three services `up` runs, in start order, and the configuration each gets from the embedded
/// stack. Services inherit this process's environment, so a PIPELINE__ override set for `up`
/// reaches them too; the listener ports read here only decide what the endpoints file says.
/// Only the sink talks to ClickHouse, as the sink user (insert and select); `up` has applied the
/// migrations as the migrator before (UpCommand), so the sink does not need DDL rights.
/// </summary>
public sealed class PipelineServices(IConfiguration configuration, StackEndpoints stack, StackCredentials credentials, string stateDir, string kafkaIncarnation)
{
    private string BridgeHttp => configuration["Services:BridgeHttpUrl"] ?? "http://127.0.0.1:9101";
    private string RulesHttp => configuration["Services:RulesHttpUrl"] ?? "http://127.0.0.1:9102";
    private string SinkHttp => configuration["Services:SinkHttpUrl"] ?? "http://127.0.0.1:9103";
    private string CaDirectory => Path.Combine(Path.GetFullPath(stateDir), "ca");

    public IReadOnlyList<ServiceSpec> Specs()
    {
        var common = new Dictionary<string, string>
        {
            ["PIPELINE__Kafka__BootstrapServers"] = stack.Kafka,
            ["PIPELINE__Kafka__SchemaRegistryUrl"] = stack.SchemaRegistry,
            ["PIPELINE__ClickHouse__Url"] = stack.Clickhouse,
            ["PIPELINE__StateDir"] = Path.GetFullPath(stateDir),
            // The embedded Kafka is new and empty at every run: offsets the processor remembers from an
            // earlier run must not apply to this one.
            ["PIPELINE__Kafka__LogIncarnation"] = kafkaIncarnation,
            // The embedded Schema Registry takes schema registrations from this user only.
            ["PIPELINE__Kafka__SchemaRegistryUsername"] = credentials.SchemaRegistryWriter.User,
            ["PIPELINE__Kafka__SchemaRegistryPassword"] = credentials.SchemaRegistryWriter.Password,
        };
        ServiceSpec Spec(string name, string folder, string assembly, string http, params (string Key, string Value)[] extra)
        {
            var environment = new Dictionary<string, string>(common) { ["PIPELINE__Http__Url"] = http };
            foreach (var (key, value) in extra) environment[key] = value;
            return new ServiceSpec(name, Binary(folder, assembly), http, environment);
        }
        return
        [
            // The operator APIs (shadows, rules, commands) take the token kept in credentials.json, which the CLI reads too.
            // HTTP publish with a device token is on under `up` (a development pipeline, whose MQTT port takes tokens
            // over plain TCP anyway); the bridge's own default is certificates only.
            Spec("mqtt-bridge", "mqtt-bridge", "Pipeline.MqttBridge", BridgeHttp, ("PIPELINE__Listeners__CaDirectory", CaDirectory),
                ("PIPELINE__OperatorApi__Token", credentials.OperatorToken),
                // Device token hashes are keyed with this secret; `devices add` and `simulate` read it from credentials.json too.
                ("PIPELINE__DeviceTokens__Pepper", credentials.TokenPepper ?? throw new InvalidOperationException("The credentials have no token pepper.")),
                ("PIPELINE__Listeners__HttpsAllowDeviceTokens", configuration["Listeners:HttpsAllowDeviceTokens"] ?? "true")),
            // At-least-once on the embedded stack: librdkafka's mock cluster does not keep offsets committed
            // inside transactions and does not abort a killed producer's open transaction, so exactly-once
            // buys nothing here; the processor's replay protection (docs/topologies.md, "Replays after a crash")
            // keeps a kill -9 exact in both modes. Rules:Guarantee=ExactlyOnce still works: Kafka:LogIncarnation
            // keeps its replay guard per run.
            Spec("rules-processor", "rules-processor", "Pipeline.RulesProcessor", RulesHttp,
                ("PIPELINE__Rules__Guarantee", configuration["Rules:Guarantee"] ?? "AtLeastOnce")),
            // The mock cluster holds a rebalance for session timeout - 1 s: a sink restarted after a
            // crash gets its partitions back after ~5 s instead of ~44 s.
            Spec("sink-writer", "sink-writer", "Pipeline.SinkWriter", SinkHttp,
                ("PIPELINE__SinkWriter__KafkaSessionTimeout", configuration["SinkWriter:KafkaSessionTimeout"] ?? "00:00:06"),
                // Environment variables of a process are readable only by its user (/proc/PID/environ is 0400).
                ("PIPELINE__ClickHouse__User", credentials.ClickHouse.Sink.User),
                ("PIPELINE__ClickHouse__Password", credentials.ClickHouse.Sink.Password),
                ("PIPELINE__SinkWriter__MigrateOnStart", "false")),
        ];
    }

    public StackEndpoints Endpoints()
    {
        var host = configuration["Listeners:BindAddress"] is { Length: > 0 } bind && bind != "0.0.0.0" ? bind : "127.0.0.1";
        return stack with
        {
            Mqtt = $"{host}:{configuration["Listeners:TcpPort"] ?? "1883"}",
            Mqtts = $"{host}:{configuration["Listeners:TlsPort"] ?? "8883"}",
            Https = configuration["Listeners:HttpsPort"] == "-1" ? null : $"https://{host}:{configuration["Listeners:HttpsPort"] ?? "8443"}",
            MqttWs = $"ws://{host}:{configuration["Listeners:WebSocketPort"] ?? "8083"}{configuration["Listeners:WebSocketPath"] ?? "/mqtt"}",
            CaCert = Path.Combine(CaDirectory, "ca.crt"),
            Metrics = new Dictionary<string, string>
            {
                ["bridge"] = BridgeHttp + "/metrics",
                ["rules"] = RulesHttp + "/metrics",
                ["sink"] = SinkHttp + "/metrics",
            },
        };
    }

    /// <summary>The processor's consumer group (its Streamiz application id) and the streams it reads (telemetry, shadow requests).</summary>
    public IReadOnlyList<PipelineDrain.GroupTopics> RulesGroups =>
        [new(configuration["Rules:ApplicationId"] ?? "rules-processor", Topics.TelemetryRaw, Topics.ShadowRequests)];

    /// <summary>The sink's groups, "&lt;prefix&gt;.&lt;table&gt;", one per destination table, and the topic each reads.</summary>
    public IReadOnlyList<PipelineDrain.GroupTopics> SinkGroups
    {
        get
        {
            var prefix = configuration["SinkWriter:ConsumerGroupPrefix"] ?? "sink-writer";
            return
            [
                new($"{prefix}.telemetry", Topics.TelemetryEnriched),
                new($"{prefix}.telemetry_1m", Topics.TelemetryAgg1m),
                new($"{prefix}.events", Topics.EventsRaw),
                new($"{prefix}.rejected", Topics.Rejected),
                new($"{prefix}.devices", Topics.Devices),
                new($"{prefix}.shadow_history", Topics.Shadows),
                new($"{prefix}.connectivity", Topics.Connectivity),
            ];
        }
    }

    private static Pipeline.Contracts.KafkaTopics Topics { get; } = new();

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
