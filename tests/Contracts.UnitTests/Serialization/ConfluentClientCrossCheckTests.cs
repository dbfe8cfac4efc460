using Confluent.SchemaRegistry;
using Pipeline.Contracts.Serialization;

namespace Pipeline.Contracts.UnitTests.Serialization;

/// <summary>
/// Our framing against Confluent's own implementation of it: Confluent.SchemaRegistry 2.16 ships the
/// SchemaId struct that its serdes use to write and read the header and message indexes. Both
/// directions must agree byte for byte. (Confluent's .NET Protobuf serializer since 2.10.1 passes the
/// nested path to it leaf-first, confluent-kafka-dotnet issue 2505; the docs and the Java serdes put the
/// top-level index first, which is what we write, so here the path is handed over root-first.)
/// </summary>
public sealed class ConfluentClientCrossCheckTests
{
    public static TheoryData<int, int[]> Headers => new()
    {
        { 1, [0] },
        { 7, [1] },
        { 0x01020304, [3] },
        { 42, [6, 0] },
        { int.MaxValue, [2, 300, 70000] },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Confluent_writes_the_bytes_we_write(int schemaId, int[] indexes)
    {
        var confluent = new SchemaId(SchemaType.Protobuf, schemaId, (string?)null, indexes);
        var expected = new byte[confluent.CalculateIdSize()];
        confluent.WriteIdToBytes(expected);

        Assert.Equal(expected, ConfluentProtobufWireFormat.Encode(schemaId, indexes, []));
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Confluent_reads_what_we_write(int schemaId, int[] indexes)
    {
        var ours = ConfluentProtobufWireFormat.Encode(schemaId, indexes, [0x0A, 0x00]);
        var confluent = new SchemaId(SchemaType.Protobuf);

        var payload = confluent.FromBytes(ours);

        Assert.Equal(schemaId, confluent.Id);
        Assert.Equal(indexes, confluent.MessageIndexes);
        Assert.Equal([0x0A, 0x00], payload.ToArray());
    }
}
