using Confluent.Kafka;
using Pipeline.Contracts.Serialization;

namespace Pipeline.Contracts.UnitTests.Serialization;

/// <summary>Every way a Kafka value can fail to be a record ends in a WireFormatException that names what was wrong.</summary>
public sealed class WireFormatDecodingTests
{
    private static readonly SerializationContext Context = new(MessageComponentType.Value, "iot.telemetry.raw");

    [Fact]
    public void Wrong_magic_byte()
    {
        var e = DecodeFails([0x01, 0x00, 0x00, 0x00, 0x07, 0x02, 0x02]);
        Assert.Equal(WireFormatError.WrongMagicByte, e.Error);
        Assert.Contains("0x01", e.Message);
    }

    [Fact]
    public void Plain_json_is_refused_by_its_first_byte()
    {
        Assert.Equal(WireFormatError.WrongMagicByte, DecodeFails("{\"temperature\":21.5}"u8.ToArray()).Error);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x07 })]
    public void Header_shorter_than_five_bytes(byte[] data)
    {
        var e = DecodeFails(data);
        Assert.Equal(WireFormatError.Truncated, e.Error);
        Assert.Contains($"{data.Length} bytes", e.Message);
    }

    [Fact]
    public void Header_without_an_index_array()
    {
        Assert.Equal(WireFormatError.Truncated, DecodeFails([0x00, 0x00, 0x00, 0x00, 0x07]).Error);
    }

    [Theory]
    // count 2 but only one index
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x07, 0x04, 0x0C })]
    // an index varint whose continuation bit promises a byte that is not there
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x07, 0x02, 0x80 })]
    public void Index_array_cut_short(byte[] data)
    {
        var e = DecodeFails(data);
        Assert.Equal(WireFormatError.Truncated, e.Error);
        Assert.Contains("message-index", e.Message);
    }

    [Fact]
    public void Varint_longer_than_five_bytes()
    {
        Assert.Equal(WireFormatError.Truncated, DecodeFails([0x00, 0x00, 0x00, 0x00, 0x07, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).Error);
    }

    [Fact]
    public void Implausible_index_count()
    {
        // count zig-zag(1000) = 2000 = 0xD0 0x0F: no .proto nests a thousand levels deep
        Assert.Equal(WireFormatError.Truncated, DecodeFails([0x00, 0x00, 0x00, 0x00, 0x07, 0xD0, 0x0F]).Error);
    }

    [Fact]
    public void Another_message_type_than_the_one_expected()
    {
        var aggregate = ProtobufSerializer<MetricAggregate>.Encode(new MetricAggregate { DeviceId = "d1", Count = 3 }, 9);
        var e = DecodeFails(aggregate);
        Assert.Equal(WireFormatError.UnexpectedMessageType, e.Error);
        Assert.Contains("iot.v1.TelemetryRecord", e.Message);
    }

    [Theory]
    // a varint tag that never ends
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF })]
    // field 1 with wire type 7, which does not exist
    [InlineData(new byte[] { 0x0F, 0x01 })]
    // field 1 (string) claims 100 bytes, 1 follows
    [InlineData(new byte[] { 0x0A, 0x64, 0x41 })]
    public void Garbage_payload_after_a_good_header(byte[] payload)
    {
        var e = DecodeFails([0x00, 0x00, 0x00, 0x00, 0x07, 0x02, 0x02, .. payload]);
        Assert.Equal(WireFormatError.InvalidPayload, e.Error);
        Assert.IsType<Google.Protobuf.InvalidProtocolBufferException>(e.InnerException);
    }

    [Fact]
    public async Task Tombstone_is_not_a_record()
    {
        var deserializer = new ProtobufDeserializer<TelemetryRecord>(registry: null);
        var e = await Assert.ThrowsAsync<WireFormatException>(() => deserializer.DeserializeAsync(ReadOnlyMemory<byte>.Empty, isNull: true, Context));
        Assert.Equal(WireFormatError.Truncated, e.Error);
    }

    [Fact]
    public async Task Deserializer_without_registry_checks_the_same_things()
    {
        var deserializer = new ProtobufDeserializer<TelemetryRecord>(registry: null);
        var e = await Assert.ThrowsAsync<WireFormatException>(() => deserializer.DeserializeAsync(new byte[] { 0x05, 0, 0, 0, 1, 0 }, isNull: false, Context));
        Assert.Equal(WireFormatError.WrongMagicByte, e.Error);
    }

    private static WireFormatException DecodeFails(byte[] data) =>
        Assert.Throws<WireFormatException>(() => ProtobufDeserializer<TelemetryRecord>.Decode(data));
}
