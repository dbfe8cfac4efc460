using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Contracts.Serialization;

namespace Pipeline.Contracts.UnitTests.Serialization;

/// <summary>Every message of iot.proto, with every field set, comes back equal through Encode/Decode.</summary>
public sealed class RoundTripTests
{
    private static readonly SerializationContext Context = new(MessageComponentType.Value, "any-topic");

    [Fact]
    public void Telemetry() => RoundTrip(new Telemetry { TsMs = 1764230400000, Seq = 42, Metrics = { ["temperature"] = 21.5, ["humidity"] = 40 } });

    [Fact]
    public void TelemetryRecord() => RoundTrip(Samples.Record());

    [Fact]
    public void RegistrySnapshot() => RoundTrip(new TelemetryRecord.Types.RegistrySnapshot { Attributes = { ["site"] = "plant-7", ["model"] = "th-100" } });

    [Fact]
    public void EnrichedTelemetry() => RoundTrip(new EnrichedTelemetry
    {
        Record = Samples.Record(),
        Attributes = { ["site"] = "berlin", ["model"] = "x1" },
        ProcessedTsMs = 1764230400500,
    });

    [Fact]
    public void MetricAggregate() => RoundTrip(new MetricAggregate
    {
        DeviceId = "d-1", Metric = "temperature", WindowStartMs = 1764230400000, WindowEndMs = 1764230460000,
        Count = 3, Min = -4.25, Max = 30, Sum = 51.75, Last = 26, LastTsMs = 1764230459000,
    });

    [Fact]
    public void DeviceEvent() => RoundTrip(new DeviceEvent
    {
        DeviceId = "d-1", DeviceTsMs = 1, ReceivedTsMs = 2, BodyJson = "{\"door\":\"open\"}",
        Topic = "devices/d-1/events", BridgeInstance = "bridge-0", Source = "device",
    });

    [Fact]
    public void RejectedMessage() => RoundTrip(new RejectedMessage
    {
        Reason = Contracts.RejectedMessage.Types.Reason.PayloadTooLarge, Detail = "131073 bytes > 131072",
        DeviceId = "d-1", Topic = "devices/d-1/telemetry", Payload = ByteString.CopyFrom(0, 1, 2, 255),
        ReceivedTsMs = 3, Stage = "bridge",
    });

    [Fact]
    public void DeviceRecord() => RoundTrip(new DeviceRecord
    {
        DeviceId = "d-1", Attributes = { ["site"] = "berlin" }, CreatedTsMs = 1, Revoked = true, RevokedTsMs = 2,
        Token = Samples.TokenHash(), CertificateThumbprint = "ab12", UpdatedTsMs = 3,
    });

    [Fact]
    public void TokenHash() => RoundTrip(Samples.TokenHash());

    [Fact]
    public void DeviceCommand() => RoundTrip(new DeviceCommand
    {
        CommandId = "c-1", DeviceId = "d-1", Payload = ByteString.CopyFromUtf8("reboot"),
        ContentType = "text/plain", CreatedTsMs = 1, ExpiresTsMs = 0,
    });

    [Fact]
    public void ShadowRequest() => RoundTrip(new ShadowRequest
    {
        DeviceId = "d-1", ShadowName = "config", Operation = Contracts.ShadowRequest.Types.Operation.Update,
        Payload = ByteString.CopyFromUtf8("{\"state\":{\"desired\":{\"a\":1}}}"), ClientToken = "t", RequestId = "r-1",
        Source = Contracts.ShadowRequest.Types.Source.Device, ReplyTo = "bridge-0", ReceivedTsMs = 1,
    });

    [Fact]
    public void ShadowDocument() => RoundTrip(new ShadowDocument
    {
        DeviceId = "d-1", ShadowName = "config", Version = 7, DocumentJson = "{\"state\":{}}", Timestamp = 1764230400, Deleted = true,
    });

    [Fact]
    public void ShadowResponse() => RoundTrip(new ShadowResponse
    {
        DeviceId = "d-1", ShadowName = "config", Topic = "devices/d-1/shadow/name/config/update/accepted",
        Payload = ByteString.CopyFromUtf8("{}"), RequestId = "r-1", ReplyTo = "bridge-0", CreatedTsMs = 2,
    });

    [Fact]
    public void ConnectivityEvent() => RoundTrip(new ConnectivityEvent
    {
        Kind = Pipeline.Contracts.ConnectivityEvent.Types.Kind.Disconnected, DeviceId = "d-1", Instance = "bridge-0", ConnectionId = "c-1",
        Reason = "connection lost without DISCONNECT", ClientAddress = "10.0.0.1:5000", Protocol = "mqtt-5", Transport = "tls",
        CleanSession = false, SessionExpirySeconds = 3600, TsMs = 5, HeartbeatIntervalMs = 30_000,
    });

    [Fact]
    public void Empty_message_is_header_only()
    {
        var bytes = ProtobufSerializer<TelemetryRecord>.Encode(new TelemetryRecord(), 3);
        Assert.Equal([0x00, 0x00, 0x00, 0x00, 0x03, 0x02, 0x02], bytes);
        Assert.Equal(new TelemetryRecord(), ProtobufDeserializer<TelemetryRecord>.Decode(bytes));
    }

    [Fact]
    public void Every_message_type_is_covered_here()
    {
        // One [Fact] named after each message, nested ones included, so a new message needs a round trip here.
        var tested = typeof(RoundTripTests).GetMethods().Select(m => m.Name).ToHashSet();
        foreach (var message in AllMessages(IotReflection.Descriptor.MessageTypes))
            Assert.Contains(message.Name, tested);

        static IEnumerable<Google.Protobuf.Reflection.MessageDescriptor> AllMessages(IEnumerable<Google.Protobuf.Reflection.MessageDescriptor> level) =>
            level.Where(m => !m.IsMapEntry).SelectMany(m => AllMessages(m.NestedTypes).Prepend(m));
    }

    private static void RoundTrip<T>(T message) where T : IMessage<T>, new()
    {
        var bytes = ProtobufSerializer<T>.Encode(message, 0x00ABCDEF);
        var header = ConfluentProtobufWireFormat.DecodeHeader(bytes);
        Assert.Equal(0x00ABCDEF, header.SchemaId);
        Assert.Equal(ProtobufSchema.MessageIndexesOf(message.Descriptor), header.MessageIndexes);

        Assert.Equal(message, ProtobufDeserializer<T>.Decode(bytes));
        Assert.Equal(message, new ProtobufDeserializer<T>(registry: null).DeserializeAsync(bytes, isNull: false, Context).GetAwaiter().GetResult());
    }
}

internal static class Samples
{
    public static TelemetryRecord Record() => new()
    {
        DeviceId = "sim-00001", DeviceTsMs = 1764230400000, ReceivedTsMs = 1764230400123, Seq = 42,
        Metrics = { ["temperature"] = 21.5, ["humidity"] = 40, ["negative"] = -0.001 },
        Topic = "devices/sim-00001/telemetry", BridgeInstance = "bridge-0", DeviceTsMissing = true,
        AcceptedUnderRegistryTsMs = 1764230399000,
        AcceptedUnder = new TelemetryRecord.Types.RegistrySnapshot { Attributes = { ["site"] = "plant-7" } },
    };

    public static DeviceRecord.Types.TokenHash TokenHash() => new()
    {
        Algorithm = "PBKDF2-SHA256", Iterations = 100_000,
        Salt = ByteString.CopyFrom(1, 2, 3, 4), Hash = ByteString.CopyFrom(9, 8, 7, 6),
    };
}
