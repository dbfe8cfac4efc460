using System.Diagnostics;
using System.Text.Json;
using Confluent.SchemaRegistry;
using Pipeline.EmbeddedStack.Credentials;
using Pipeline.EmbeddedStack.SchemaRegistry;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.SchemaRegistry;

/// <summary>
/// The embedded Schema Registry as `up` runs it: registering, changing config and deleting need its writer's
/// credentials (from .pipeline/credentials.json), reads do not. Checked with curl, as a local user would try, and
/// with Confluent's client configured the way the services are.
/// </summary>
public sealed class SchemaRegistryWriterTests : IAsyncLifetime
{
    private const string User = "pipeline";
    private const string Password = "writer-pw-3f9c";
    private EmbeddedSchemaRegistry _registry = null!;

    public async Task InitializeAsync() =>
        _registry = await EmbeddedSchemaRegistry.StartAsync("http://127.0.0.1:0", SchemaRegistryFixture.CreateTempStorageDir(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new RegistryWriter(User, Password));

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    [Fact]
    public async Task Without_the_writers_credentials_curl_can_read_but_not_register_change_or_delete()
    {
        var body = JsonSerializer.Serialize(new { schemaType = "PROTOBUF", schema = Schemas.UniqueProto("writer") });
        var url = _registry.Url;

        Assert.StartsWith("401 ", await Curl("-X", "POST", "-H", "Content-Type: application/vnd.schemaregistry.v1+json", "--data", body, $"{url}/subjects/s-value/versions"));
        Assert.StartsWith("401 ", await Curl("-u", $"{User}:wrong", "-X", "POST", "-H", "Content-Type: application/vnd.schemaregistry.v1+json", "--data", body, $"{url}/subjects/s-value/versions"));
        Assert.StartsWith("401 ", await Curl("-X", "PUT", "-H", "Content-Type: application/vnd.schemaregistry.v1+json", "--data", "{\"compatibility\":\"NONE\"}", $"{url}/config"));
        Assert.StartsWith("200 ", await Curl("-u", $"{User}:{Password}", "-X", "POST", "-H", "Content-Type: application/vnd.schemaregistry.v1+json", "--data", body, $"{url}/subjects/s-value/versions"));
        Assert.StartsWith("401 ", await Curl("-X", "DELETE", $"{url}/subjects/s-value"));

        var subjects = await Curl($"{url}/subjects");
        Assert.Equal("200 [\"s-value\"]", subjects);
        Assert.Contains("40101", await Curl("-X", "DELETE", $"{url}/subjects/s-value"));
    }

    [Fact]
    public async Task A_client_configured_with_Kafka_SchemaRegistryUsername_and_Password_registers()
    {
        using var client = SchemaRegistryClients.Create(new KafkaOptions { SchemaRegistryUrl = _registry.Url, SchemaRegistryUsername = User, SchemaRegistryPassword = Password });
        using var anonymous = SchemaRegistryClients.Create(new KafkaOptions { SchemaRegistryUrl = _registry.Url });
        var schema = new Schema(Schemas.UniqueProto("client"), SchemaType.Protobuf);

        var id = await client.RegisterSchemaAsync("c-value", schema);
        var refused = await Assert.ThrowsAsync<SchemaRegistryException>(() => anonymous.RegisterSchemaAsync("d-value", schema));

        Assert.True(id > 0);
        Assert.Equal(401, (int)refused.Status);
        Assert.Equal(id, (await anonymous.GetLatestSchemaAsync("c-value")).Id);
    }

    [Fact]
    public void A_credentials_file_from_before_the_writer_gets_one_and_keeps_its_other_secrets()
    {
        var dir = Path.Combine(Path.GetTempPath(), "creds-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var old = StackCredentials.Generate() with { SchemaRegistry = null };
            File.WriteAllText(StackCredentials.PathIn(dir), JsonSerializer.Serialize(old));

            var loaded = StackCredentials.LoadOrCreate(dir);

            Assert.Equal(old.ClickHouse.Sink.Password, loaded.ClickHouse.Sink.Password);
            Assert.Equal(old.OperatorToken, loaded.OperatorToken);
            Assert.False(string.IsNullOrEmpty(loaded.SchemaRegistryWriter.Password));
            Assert.Equal(loaded.SchemaRegistryWriter, StackCredentials.Read(dir)!.SchemaRegistry);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>curl's answer as "&lt;status&gt; &lt;body&gt;".</summary>
    private static async Task<string> Curl(params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-s", "-w", "\n%{http_code}" }.Concat(args)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = (await process.StandardOutput.ReadToEndAsync()).TrimEnd();
        await process.WaitForExitAsync();
        var newline = output.LastIndexOf('\n');
        return $"{output[(newline + 1)..]} {output[..Math.Max(newline, 0)]}".Trim();
    }
}
