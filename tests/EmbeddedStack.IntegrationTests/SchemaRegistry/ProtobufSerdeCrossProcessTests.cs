using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.SchemaRegistry;

/// <summary>
/// Records cross an OS process boundary through the registry: written here and read by the test peer
/// (a separate `dotnet` process with its own registry client), and the other way round.
/// </summary>
public sealed class ProtobufSerdeCrossProcessTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(60);
    private readonly SchemaRegistryFixture _registry = SchemaRegistryFixture.Shared;

    [Fact]
    public async Task A_record_written_here_is_read_by_another_process()
    {
        using var client = _registry.CreateClient();
        var record = ProtobufSerdeRegistryTests.Record(3);
        record.DeviceTsMissing = true;
        var bytes = await new ProtobufSerializer<TelemetryRecord>(client)
            .SerializeAsync(record, new SerializationContext(MessageComponentType.Value, KafkaFixture.UniqueName("xproc-out")));

        var (exit, stdout, stderr) = await PeerProcess.RunAsync(PeerTimeout, "serde-decode", _registry.Url, Convert.ToBase64String(bytes));

        Assert.True(exit == 0, $"peer exit {exit}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("sim-00003", json.RootElement.GetProperty("deviceId").GetString());
        Assert.Equal(20.3, json.RootElement.GetProperty("metrics").GetProperty("temperature").GetDouble());
        Assert.True(json.RootElement.GetProperty("deviceTsMissing").GetBoolean());
        Assert.Equal(record, JsonParser.Default.Parse<TelemetryRecord>(stdout));
    }

    [Fact]
    public async Task A_record_written_by_another_process_is_read_here()
    {
        var topic = KafkaFixture.UniqueName("xproc-in");
        var record = ProtobufSerdeRegistryTests.Record(11);

        var (exit, stdout, stderr) = await PeerProcess.RunAsync(PeerTimeout, "serde-encode", _registry.Url, topic, JsonFormatter.Default.Format(record));

        Assert.True(exit == 0, $"peer exit {exit}: {stderr}");
        var bytes = Convert.FromBase64String(stdout.Trim());
        using var client = _registry.CreateClient();
        var read = await new ProtobufDeserializer<TelemetryRecord>(client)
            .DeserializeAsync(bytes, isNull: false, new SerializationContext(MessageComponentType.Value, topic));
        Assert.Equal(record, read);
        // the peer registered iot.proto under <topic>-value, and its id is the one in the header
        Assert.Equal((await client.GetLatestSchemaAsync($"{topic}-value")).Id, ConfluentProtobufWireFormat.DecodeHeader(bytes).SchemaId);
    }

    [Fact]
    public async Task Another_process_refuses_a_schema_id_the_registry_does_not_know()
    {
        var bytes = ProtobufSerializer<TelemetryRecord>.Encode(ProtobufSerdeRegistryTests.Record(1), 2_000_000_001);

        var (exit, stdout, _) = await PeerProcess.RunAsync(PeerTimeout, "serde-decode", _registry.Url, Convert.ToBase64String(bytes));

        Assert.Equal(3, exit);
        Assert.Equal("{\"error\":\"UnknownSchemaId\"}", stdout.Trim());
    }
}
