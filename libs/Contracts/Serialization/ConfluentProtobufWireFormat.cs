using System.Buffers.Binary;

namespace Pipeline.Contracts.Serialization;

/// <summary>
/// The Confluent Schema Registry framing for Protobuf values:
/// magic byte 0, 4-byte big-endian schema id, the message-index array, then the payload.
/// The index array is the path of the message type inside its .proto file (top-level
/// position, then nested positions), written as a zig-zag varint count followed by
/// zig-zag varint indexes; the common path [0] is written as the single byte 0.
/// (Confluent docs, "Wire format", Protobuf section; the Java/.NET serdes use zig-zag varints.)
/// </summary>
public static class ConfluentProtobufWireFormat
{
    public const byte MagicByte = 0;

    public readonly record struct Header(int SchemaId, int[] MessageIndexes, int PayloadOffset);

    public static byte[] Encode(int schemaId, IReadOnlyList<int> messageIndexes, ReadOnlySpan<byte> payload)
    {
        var indexes = EncodeIndexes(messageIndexes);
        var buffer = new byte[1 + 4 + indexes.Length + payload.Length];
        buffer[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(1, 4), schemaId);
        indexes.CopyTo(buffer.AsSpan(5));
        payload.CopyTo(buffer.AsSpan(5 + indexes.Length));
        return buffer;
    }

    public static byte[] EncodeIndexes(IReadOnlyList<int> messageIndexes)
    {
        if (messageIndexes.Count == 1 && messageIndexes[0] == 0)
            return [0];
        var bytes = new List<byte>(1 + messageIndexes.Count);
        WriteZigZagVarint(bytes, messageIndexes.Count);
        foreach (var index in messageIndexes)
            WriteZigZagVarint(bytes, index);
        return bytes.ToArray();
    }

    public static Header DecodeHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < 5)
            throw new WireFormatException(WireFormatError.Truncated,
                $"Record of {data.Length} bytes is shorter than the 5-byte Confluent header.");
        if (data[0] != MagicByte)
            throw new WireFormatException(WireFormatError.WrongMagicByte,
                $"Record starts with byte 0x{data[0]:X2}, not the Confluent magic byte 0x00: it was not written by a Schema Registry serializer.");
        var schemaId = BinaryPrimitives.ReadInt32BigEndian(data.Slice(1, 4));
        var offset = 5;
        var count = ReadZigZagVarint(data, ref offset);
        if (count == 0)
            return new Header(schemaId, [0], offset);
        if (count < 0 || count > 100)
            throw new WireFormatException(WireFormatError.Truncated,
                $"Message-index array length {count} is not plausible; the record is corrupt.");
        var indexes = new int[count];
        for (var i = 0; i < count; i++)
            indexes[i] = ReadZigZagVarint(data, ref offset);
        return new Header(schemaId, indexes, offset);
    }

    private static void WriteZigZagVarint(List<byte> bytes, int value)
    {
        var zigzag = (uint)((value << 1) ^ (value >> 31));
        while (zigzag >= 0x80)
        {
            bytes.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }
        bytes.Add((byte)zigzag);
    }

    private static int ReadZigZagVarint(ReadOnlySpan<byte> data, ref int offset)
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (offset >= data.Length)
                throw new WireFormatException(WireFormatError.Truncated,
                    "Record ends inside the message-index array.");
            var b = data[offset++];
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return (int)(result >> 1) ^ -(int)(result & 1);
        }
        throw new WireFormatException(WireFormatError.Truncated, "Message-index varint is longer than 5 bytes.");
    }
}
