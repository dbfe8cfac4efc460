using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Deployment.UnitTests;

/// <summary>
/// docker-compose.yml's least-privilege set-up, checked without a container engine: SASL and ACLs on Kafka, topics
/// provisioned before any service, one principal per service, no secret in the file, TLS-only device ports in public.
/// </summary>
public sealed partial class ComposeSecurityTests
{
    private static readonly string Root = DockerComposeTests.FindRoot();
    private static readonly string ComposeText = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
    private static readonly YamlMappingNode Services = DockerComposeTests.LoadServices();
    private static readonly string[] PipelineServices = ["mqtt-bridge", "rules-processor", "sink-writer", "web-console"];

    [Fact]
    public void Kafka_authenticates_every_listener_authorizes_by_ACL_and_creates_no_topic_itself()
    {
        var kafka = DockerComposeTests.EnvironmentOf("kafka");

        Assert.DoesNotContain(":PLAINTEXT", kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].Replace("SASL_PLAINTEXT", "", StringComparison.Ordinal));
        Assert.Equal("false", kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]);
        Assert.Equal("false", kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"]);
        Assert.Contains("StandardAuthorizer", kafka["KAFKA_AUTHORIZER_CLASS_NAME"]);
        Assert.False(((YamlMappingNode)Services.Children["kafka"]).Children.ContainsKey("ports"), "Kafka is published outside the compose network");
    }

    [Fact]
    public void Each_service_logs_in_to_Kafka_as_its_own_principal_which_has_ACLs_and_a_broker_password()
    {
        var acls = File.ReadAllText(Path.Combine(Root, "deploy", "kafka", "acls.sh"));
        var jaas = DockerComposeTests.EnvironmentOf("kafka")["KAFKA_LISTENER_NAME_SASL_PLAIN_SASL_JAAS_CONFIG"];
        var principals = PipelineServices.Select(s => DockerComposeTests.EnvironmentOf(s)).ToList();

        var users = principals.Select(e => e["PIPELINE__Kafka__SaslUsername"]).ToList();
        Assert.Equal(users.Count, users.Distinct().Count());
        foreach (var (service, environment) in PipelineServices.Zip(principals))
        {
            Assert.Equal("SaslPlaintext", environment["PIPELINE__Kafka__SecurityProtocol"]);
            var user = environment["PIPELINE__Kafka__SaslUsername"];
            Assert.Contains($"--allow-principal User:{user} ", acls);
            Assert.Contains($"user_{user}=\"${{", jaas);
            Assert.Matches(SecretReference(), environment["PIPELINE__Kafka__SaslPassword"]);
        }
    }

    [Fact]
    public void Topics_and_the_schema_are_in_place_before_any_service_starts()
    {
        foreach (var service in PipelineServices)
        {
            var dependsOn = (YamlMappingNode)((YamlMappingNode)Services.Children[service]).Children["depends_on"];
            foreach (var step in new[] { "topics", "migrate" })
                Assert.Equal("service_completed_successfully", ((YamlMappingNode)dependsOn.Children[step]).Children["condition"].ToString());
        }
        var topics = (YamlMappingNode)Services.Children["topics"];
        var command = ((YamlSequenceNode)topics.Children["command"]).Children.Select(c => c.ToString()).ToList();
        Assert.Equal(["topics", "provision"], command.Take(2));
        Assert.Equal("service_completed_successfully",
            ((YamlMappingNode)((YamlMappingNode)topics.Children["depends_on"]).Children["kafka-acls"]).Children["condition"].ToString());
        Assert.Equal("false", DockerComposeTests.EnvironmentOf("sink-writer")["PIPELINE__SinkWriter__MigrateOnStart"]);
    }

    [Fact]
    public void The_one_shot_steps_set_only_settings_the_CLI_binds()
    {
        var shared = ServiceSettings.KeysOf("sink-writer").Where(k => k.StartsWith("Kafka:", StringComparison.Ordinal) || k.StartsWith("ClickHouse:", StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var step in new[] { "topics", "migrate" })
            foreach (var variable in DockerComposeTests.EnvironmentOf(step).Keys)
            {
                var key = ServiceSettings.KeyOfEnvironmentVariable(variable);
                Assert.True(key is not null && shared.Contains(key), $"{step}: {variable} is not a Kafka or ClickHouse setting the CLI reads");
            }
    }

    [Fact]
    public void No_secret_is_written_in_the_file_and_every_one_is_in_the_example_env_file()
    {
        var example = File.ReadAllLines(Path.Combine(Root, ".env.example"))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#')).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToHashSet();
        var referenced = VariableReference().Matches(ComposeText).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.Empty(referenced.Except(example));
        foreach (var service in Services.Children.Keys.Select(k => k.ToString()))
        {
            if (!((YamlMappingNode)Services.Children[service]).Children.ContainsKey("environment"))
                continue;
            foreach (var (name, value) in DockerComposeTests.EnvironmentOf(service))
                if (name.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase) || name.EndsWith("SaslPassword", StringComparison.Ordinal))
                    Assert.Matches(SecretReference(), value);
        }
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(Root, ".gitignore")));
        // ClickHouse's password-less `default` user is replaced.
        var clickhouse = DockerComposeTests.EnvironmentOf("clickhouse");
        Assert.NotEqual("default", clickhouse["CLICKHOUSE_USER"]);
        Assert.Matches(SecretReference(), clickhouse["CLICKHOUSE_PASSWORD"]);
    }

    [Fact]
    public void Only_TLS_ports_are_published_on_every_interface_the_plain_device_ports_on_loopback()
    {
        // The balancer holds the device ports for every bridge replica; the bridges publish none of their own.
        var ports = ((YamlSequenceNode)((YamlMappingNode)Services.Children["balancer"]).Children["ports"]).Children.Select(p => p.ToString()).ToList();
        Assert.False(((YamlMappingNode)Services.Children["mqtt-bridge"]).Children.ContainsKey("ports"), "the bridge replicas are reached through the balancer");

        Assert.Contains("8883:8883", ports);
        Assert.Contains("127.0.0.1:1883:1883", ports);
        Assert.Contains("127.0.0.1:8083:8083", ports);
        // MQTT over TLS, over secure WebSocket, and HTTPS (device HTTP publish with client certificates, the operator APIs with their token).
        Assert.All(ports.Where(p => !p.StartsWith("127.0.0.1:", StringComparison.Ordinal)), p => Assert.Contains(p, new[] { "8883:8883", "8084:8084", "8443:8443" }));
    }

    [Fact]
    public void The_Schema_Registry_requires_basic_auth_and_every_service_logs_in()
    {
        var registry = DockerComposeTests.EnvironmentOf("schema-registry");
        var jaas = File.ReadAllText(Path.Combine(Root, "deploy", "schema-registry", "jaas.conf"));

        Assert.Equal("BASIC", registry["SCHEMA_REGISTRY_AUTHENTICATION_METHOD"]);
        var realm = registry["SCHEMA_REGISTRY_AUTHENTICATION_REALM"];
        Assert.StartsWith(realm + " {", jaas.Split('\n').First(l => !l.StartsWith("//", StringComparison.Ordinal)));
        Assert.Contains("-Djava.security.auth.login.config=/etc/schema-registry/jaas.conf", registry["SCHEMA_REGISTRY_OPTS"]);
        // Confluent Platform 8 runs Jetty 12: the Jetty 9-11 class name fails every login.
        Assert.Matches(@"confluentinc/cp-schema-registry:8\.", ((YamlMappingNode)Services.Children["schema-registry"]).Children["image"].ToString());
        Assert.Contains("org.eclipse.jetty.security.jaas.spi.PropertyFileLoginModule required", jaas);
        // The password file is written in the container from the secret; the committed realm points at it.
        var command = string.Join(" ", ((YamlSequenceNode)((YamlMappingNode)Services.Children["schema-registry"]).Children["command"]).Children);
        Assert.Contains("/tmp/schema-registry/users.properties", jaas);
        Assert.Contains("> /tmp/schema-registry/users.properties", command);
        Assert.Contains("$$SR_PIPELINE_PASSWORD", command);
        Assert.Matches(SecretReference(), registry["SR_PIPELINE_PASSWORD"]);

        foreach (var service in PipelineServices)
        {
            var environment = DockerComposeTests.EnvironmentOf(service);
            Assert.Equal("pipeline", environment["PIPELINE__Kafka__SchemaRegistryUsername"]);
            Assert.Equal(registry["SR_PIPELINE_PASSWORD"], environment["PIPELINE__Kafka__SchemaRegistryPassword"]);
        }
    }

    [Fact]
    public void The_ClickHouse_users_have_the_grants_of_their_role()
    {
        var script = File.ReadAllText(Path.Combine(Root, "deploy", "clickhouse", "init-users.sh"));

        Assert.Contains("GRANT INSERT, SELECT ON iot.* TO sink", script);
        Assert.Contains("GRANT SHOW, SELECT ON iot.* TO analyst", script);
        Assert.Contains("SETTINGS readonly = 2", script);
        Assert.Matches(@"GRANT [A-Z ,]*CREATE TABLE[A-Z ,]* ON iot\.\* TO migrator", script);
        Assert.DoesNotContain(" ON *.*", script);
    }

    /// <summary>A value taken from the environment, required: ${NAME:?message}.</summary>
    [GeneratedRegex(@"^\$\{[A-Z_]+:\?[^}]+\}$")]
    private static partial Regex SecretReference();

    [GeneratedRegex(@"\$\{([A-Z_]+)[:}?-]")]
    private static partial Regex VariableReference();
}
