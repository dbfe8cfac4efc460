using Pipeline.EmbeddedStack;

namespace Pipeline.Cli.Supervision;

/// <summary>The three services `up` runs, in start order, and the configuration each gets from the embedded stack.</summary>
public static class PipelineServices
{
    private const string BridgeHttp = "http://127.0.0.1:9101";
    private const string RulesHttp = "http://127.0.0.1:9102";
    private const string SinkHttp = "http://127.0.0.1:9103";

    public static IReadOnlyList<ServiceSpec> Specs(StackEndpoints stack, string stateDir)
    {
        var common = new Dictionary<string, string>
        {
            ["PIPELINE__Kafka__BootstrapServers"] = stack.Kafka,
            ["PIPELINE__Kafka__SchemaRegistryUrl"] = stack.SchemaRegistry,
            ["PIPELINE__ClickHouse__Url"] = stack.Clickhouse,
            ["PIPELINE__StateDir"] = Path.GetFullPath(stateDir),
        };
        ServiceSpec Spec(string name, string folder, string assembly, string http) =>
            new(name, Binary(folder, assembly), http, new Dictionary<string, string>(common) { ["PIPELINE__Http__Url"] = http });
        return
        [
            Spec("mqtt-bridge", "mqtt-bridge", "Pipeline.MqttBridge", BridgeHttp),
            Spec("rules-processor", "rules-processor", "Pipeline.RulesProcessor", RulesHttp),
            Spec("sink-writer", "sink-writer", "Pipeline.SinkWriter", SinkHttp),
        ];
    }

    public static StackEndpoints Endpoints(StackEndpoints stack, string stateDir) => stack with
    {
        Metrics = new Dictionary<string, string>
        {
            ["bridge"] = BridgeHttp + "/metrics",
            ["rules"] = RulesHttp + "/metrics",
            ["sink"] = SinkHttp + "/metrics",
        },
    };

    /// <summary>The service's build output for the same configuration (Release/Debug) as this CLI.</summary>
    public static string RulesProcessorBinary => Binary("rules-processor", "Pipeline.RulesProcessor");

    private static string Binary(string folder, string assembly)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        var path = Path.Combine(RepositoryPaths.Root, "services", folder, "bin", configuration, "net10.0", assembly + ".dll");
        if (!File.Exists(path))
            throw new CliException($"{assembly} is not built at {path}; run ./pipeline (it builds) or dotnet build -c {configuration}.");
        return path;
    }
}
