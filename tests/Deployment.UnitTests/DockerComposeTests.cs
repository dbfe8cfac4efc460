using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Deployment.UnitTests;

/// <summary>docker-compose.yml cannot run here (no Docker engine), so what can be checked without one is checked.</summary>
public sealed class DockerComposeTests
{
    private static readonly string Root = FindRoot();
    private static readonly YamlMappingNode Services = LoadServices();

    [Fact]
    public void Every_pipeline_variable_a_service_is_given_is_one_it_binds()
    {
        foreach (var (service, keys) in ServiceSettings.All())
        {
            var environment = EnvironmentOf(service);
            Assert.NotEmpty(environment);
            foreach (var variable in environment.Keys)
            {
                var key = ServiceSettings.KeyOfEnvironmentVariable(variable);
                Assert.True(key is not null, $"{service}: {variable} is not a PIPELINE__ setting");
                Assert.True(ServiceSettings.Binds(keys, key!), $"{service}: {variable} sets '{key}', which the service does not bind");
            }
            foreach (var needed in new[] { "Kafka:BootstrapServers", "Kafka:SchemaRegistryUrl", "Http:Url" })
                Assert.Contains(needed, environment.Keys.Select(ServiceSettings.KeyOfEnvironmentVariable));
        }
    }

    [Fact]
    public void Every_image_is_pinned_to_an_exact_version()
    {
        var images = Services.Children.Values.OfType<YamlMappingNode>()
            .Select(s => s.Children.TryGetValue("image", out var image) ? image.ToString() : null)
            .Where(i => i is not null).ToList();
        var dockerfileImages = Directory.GetFiles(Path.Combine(Root, "services"), "Dockerfile", SearchOption.AllDirectories)
            .Append(Path.Combine(Root, "tools", "cli", "Dockerfile"))
            .SelectMany(File.ReadAllLines)
            .Where(l => l.StartsWith("FROM ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        foreach (var image in images.Concat(dockerfileImages))
        {
            Assert.DoesNotContain(":latest", image);
            Assert.Matches(new Regex(@":\d+\.\d+\.\d+(\.\d+)?$|@sha256:[0-9a-f]{64}$"), image!);
        }
    }

    [Fact]
    public void Services_have_health_checks_volumes_for_state_and_run_as_non_root()
    {
        foreach (var name in new[] { "kafka", "schema-registry", "clickhouse", "mqtt-bridge", "balancer", "rules-processor", "sink-writer", "web-console" })
        {
            var service = (YamlMappingNode)Services.Children[name];
            Assert.True(service.Children.ContainsKey("healthcheck"), $"{name} has no health check");
        }
        foreach (var stateful in new[] { "kafka", "clickhouse", "mqtt-bridge", "rules-processor" })
            Assert.True(((YamlMappingNode)Services.Children[stateful]).Children.ContainsKey("volumes"), $"{stateful} keeps its state in a volume");
        foreach (var dockerfile in Directory.GetFiles(Path.Combine(Root, "services"), "Dockerfile", SearchOption.AllDirectories)
                     .Append(Path.Combine(Root, "tools", "cli", "Dockerfile")))
        {
            var lines = File.ReadAllLines(dockerfile);
            Assert.True(lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, $"{dockerfile} is multi-stage");
            Assert.Contains(lines, l => l.StartsWith("USER ", StringComparison.Ordinal) && !l.Contains("root"));
        }
    }

    internal static Dictionary<string, string> EnvironmentOf(string service)
    {
        var node = (YamlMappingNode)Services.Children[service];
        var environment = (YamlMappingNode)node.Children["environment"];
        return environment.Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString());
    }

    internal static YamlMappingNode LoadServices()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        // MergingParser resolves the merge keys (<<: *anchor) the compose file shares settings with.
        yaml.Load(new YamlDotNet.Core.MergingParser(new YamlDotNet.Core.Parser(reader)));
        var document = (YamlMappingNode)yaml.Documents[0].RootNode;
        return (YamlMappingNode)document.Children["services"];
    }

    internal static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("Pipeline.sln not found above the test binaries.");
    }
}
