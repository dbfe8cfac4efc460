using Pipeline.Contracts.Serialization;

namespace Pipeline.Contracts.UnitTests.Serialization;

/// <summary>
/// Exact bytes of the Confluent Protobuf framing, checked against its published description:
/// Confluent's docs, "Formats, Serializers, and Deserializers", section "Wire format"
/// (docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format):
/// byte 0 is the magic byte 0, bytes 1-4 the schema id as a big-endian int, then for Protobuf the
/// message-indexes array, then the Protobuf payload. The array is the path of the message type in the
/// .proto file (top-level position, then nested positions), written as its length followed by the
/// indexes, each a variable-length ZIG-ZAG varint (the Java serdes write it with Kafka's
/// ByteUtils.writeVarint, which zig-zags; Confluent.SchemaRegistry 2.16's SchemaId.WriteArrayIndexesToBytes
/// calls BinaryConverter.WriteVarint, which computes (v &lt;&lt; 1) ^ (v &gt;&gt; 31) before the base-128 bytes).
/// The common path [0] is written as the single byte 0 rather than [1, 0] (zig-zag: 0x02 0x00).
/// So zig-zag doubles every non-negative value: count 1 is 0x02, index 3 is 0x06, index 6 is 0x0C.
/// </summary>
public sealed class WireFormatEncodingTests
{
    private static readonly byte[] Payload = [0xAA, 0xBB];

    [Fact]
    public void First_message_of_the_file_is_the_single_byte_zero()
    {
        Assert.Equal([0x00], ConfluentProtobufWireFormat.EncodeIndexes([0]));
        Assert.Equal([0x00], ProtobufSchema.MessageIndexesOf(Telemetry.Descriptor).Select(i => (byte)i));
        Assert.Equal(
            [0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0xAA, 0xBB],
            ConfluentProtobufWireFormat.Encode(7, [0], Payload));
    }

    [Fact]
    public void TelemetryRecord_is_top_level_message_1_written_as_count_then_index()
    {
        // TelemetryRecord is the second message of iot.proto: path [1] -> zig-zag(1)=0x02, zig-zag(1)=0x02.
        Assert.Equal([1], ProtobufSchema.MessageIndexesOf(TelemetryRecord.Descriptor));
        Assert.Equal([0x02, 0x02], ConfluentProtobufWireFormat.EncodeIndexes([1]));
    }

    [Fact]
    public void MetricAggregate_is_top_level_message_3_written_as_0x02_0x06()
    {
        Assert.Equal([3], ProtobufSchema.MessageIndexesOf(MetricAggregate.Descriptor));
        Assert.Equal([0x02, 0x06], ConfluentProtobufWireFormat.EncodeIndexes([3]));
    }

    [Fact]
    public void Nested_TokenHash_inside_DeviceRecord_is_path_6_0()
    {
        Assert.Equal([6, 0], ProtobufSchema.MessageIndexesOf(DeviceRecord.Types.TokenHash.Descriptor));
        Assert.Equal([0x04, 0x0C, 0x00], ConfluentProtobufWireFormat.EncodeIndexes([6, 0]));
    }

    [Fact]
    public void Schema_id_is_four_bytes_big_endian()
    {
        var bytes = ConfluentProtobufWireFormat.Encode(0x01020304, [1], Payload);
        Assert.Equal([0x00, 0x01, 0x02, 0x03, 0x04, 0x02, 0x02, 0xAA, 0xBB], bytes);
        Assert.Equal([0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0x00], ConfluentProtobufWireFormat.Encode(int.MaxValue, [0], []));
    }

    [Theory]
    // zig-zag(64) = 128 = 0x80 0x01 (two base-128 bytes, low group first)
    [InlineData(new[] { 64 }, new byte[] { 0x02, 0x80, 0x01 })]
    // zig-zag(300) = 600 = 0b100_1011000 -> 0xD8 0x04
    [InlineData(new[] { 300 }, new byte[] { 0x02, 0xD8, 0x04 })]
    // zig-zag(8192) = 16384 -> 0x80 0x80 0x01
    [InlineData(new[] { 0, 8192 }, new byte[] { 0x04, 0x00, 0x80, 0x80, 0x01 })]
    // zig-zag(int.MaxValue) = 0xFFFFFFFE -> five bytes
    [InlineData(new[] { int.MaxValue }, new byte[] { 0x02, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F })]
    public void Large_indexes_take_multi_byte_varints(int[] indexes, byte[] expected)
    {
        Assert.Equal(expected, ConfluentProtobufWireFormat.EncodeIndexes(indexes));
        var decoded = ConfluentProtobufWireFormat.DecodeHeader(ConfluentProtobufWireFormat.Encode(5, indexes, Payload));
        Assert.Equal(indexes, decoded.MessageIndexes);
        Assert.Equal(5, decoded.SchemaId);
    }

    [Fact]
    public void A_path_of_64_levels_has_a_two_byte_count()
    {
        var indexes = new int[64];
        var encoded = ConfluentProtobufWireFormat.EncodeIndexes(indexes);
        Assert.Equal([0x80, 0x01], encoded[..2]);
        Assert.Equal(2 + 64, encoded.Length);
        Assert.Equal(indexes, ConfluentProtobufWireFormat.DecodeHeader([0, 0, 0, 0, 1, .. encoded]).MessageIndexes);
    }

    [Fact]
    public void Serializer_encode_frames_the_protobuf_payload_after_the_header()
    {
        var record = new TelemetryRecord { DeviceId = "d1" };
        var bytes = ProtobufSerializer<TelemetryRecord>.Encode(record, 0x01020304);
        // field 1 (device_id), wire type 2: tag 0x0A, length 2, "d1"
        Assert.Equal([0x00, 0x01, 0x02, 0x03, 0x04, 0x02, 0x02, 0x0A, 0x02, (byte)'d', (byte)'1'], bytes);
    }
}
