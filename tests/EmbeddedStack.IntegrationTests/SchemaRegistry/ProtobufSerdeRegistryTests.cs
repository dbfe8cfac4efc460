using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.SchemaRegistry;

/// <summary>Our Confluent Protobuf serdes with a registry behind them, in one process.</summary>
public sealed class ProtobufSerdeRegistryTests
{
    [Fact]
    public async Task Serializer_registers_under_topic_value_once_per_topic_and_frames_with_that_id()
    {
        await using var registry = await PrivateRegistry.StartAsync();
        using var client = SchemaRegistryFixture.CreateClient(registry.Url);
        var serializer = new ProtobufSerializer<TelemetryRecord>(client);

        // 20 records to each of two topics, concurrently: the registry hears one registration per topic.
        var writes = Enumerable.Range(0, 20).SelectMany(i => new[] { "iot.telemetry.raw", "other.topic" }
            .Select(topic => serializer.SerializeAsync(Record(i), new SerializationContext(MessageComponentType.Value, topic))));
        var records = await Task.WhenAll(writes);

        Assert.Equal(1, registry.RegistrationRequestCount("iot.telemetry.raw-value"));
        Assert.Equal(1, registry.RegistrationRequestCount("other.topic-value"));
        var latest = await client.GetLatestSchemaAsync("iot.telemetry.raw-value");
        Assert.Equal(Schemas.Iot, latest.SchemaString);
        Assert.All(records, bytes => Assert.Equal(latest.Id, ConfluentProtobufWireFormat.DecodeHeader(bytes).SchemaId));

        var requestsBefore = registry.RequestCount;
        await serializer.SerializeAsync(Record(99), new SerializationContext(MessageComponentType.Value, "iot.telemetry.raw"));
        Assert.Equal(requestsBefore, registry.RequestCount); // the id is cached: no request at all

        await serializer.SerializeAsync(Record(1), new SerializationContext(MessageComponentType.Key, "keyed.topic"));
        Assert.Equal(1, registry.RegistrationRequestCount("keyed.topic-key"));
        Assert.Equal(0, registry.ServerErrorCount);
    }

    [Fact]
    public async Task Serializer_recovers_once_the_registry_is_reachable()
    {
        var dir = SchemaRegistryFixture.CreateTempStorageDir();
        var registry = await PrivateRegistry.StartAsync(dir);
        var url = registry.Url;
        await registry.StopAsync();
        using var client = SchemaRegistryFixture.CreateClient(url);
        var serializer = new ProtobufSerializer<TelemetryRecord>(client);
        var context = new SerializationContext(MessageComponentType.Value, "retry.topic");

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => serializer.SerializeAsync(Record(1), context));

        await using var back = await EmbeddedStack.SchemaRegistry.EmbeddedSchemaRegistry.StartAsync(url, dir);
        var bytes = await serializer.SerializeAsync(Record(1), context);
        Assert.Equal(Record(1), ProtobufDeserializer<TelemetryRecord>.Decode(bytes));
    }

    [Fact]
    public async Task Deserializer_reads_what_the_serializer_wrote_and_refuses_an_id_the_registry_does_not_know()
    {
        var fixture = SchemaRegistryFixture.Shared;
        using var client = fixture.CreateClient();
        var topic = KafkaFixture.UniqueName("serde");
        var bytes = await new ProtobufSerializer<TelemetryRecord>(client).SerializeAsync(Record(7), new SerializationContext(MessageComponentType.Value, topic));
        var deserializer = new ProtobufDeserializer<TelemetryRecord>(client);

        Assert.Equal(Record(7), await deserializer.DeserializeAsync(bytes, isNull: false, new SerializationContext(MessageComponentType.Value, topic)));

        var unknownId = ProtobufSerializer<TelemetryRecord>.Encode(Record(7), 2_000_000_000);
        var e = await Assert.ThrowsAsync<WireFormatException>(() => deserializer.DeserializeAsync(unknownId, isNull: false, new SerializationContext(MessageComponentType.Value, topic)));
        Assert.Equal(WireFormatError.UnknownSchemaId, e.Error);
        Assert.Contains("2000000000", e.Message);
    }

    internal static TelemetryRecord Record(int i) => new()
    {
        DeviceId = $"sim-{i:D5}",
        DeviceTsMs = 1764230400000 + i,
        ReceivedTsMs = 1764230400100 + i,
        Seq = (ulong)i,
        Metrics = { ["temperature"] = 20 + i / 10.0, ["humidity"] = 40 },
        Topic = $"devices/sim-{i:D5}/telemetry",
        BridgeInstance = "bridge-0",
    };
}
