using System.Buffers.Binary;
using Confluent.Kafka;

namespace Pipeline.RulesProcessor.Replay;

/// <summary>
/// The input record an output was made from (partition and offset of iot.telemetry.raw), carried in a Kafka
/// header of the output so that a restarted processor can tell which of the records it replays already have
/// their output in the topic (<see cref="OutputLedger"/>). 12 bytes: partition and offset, big-endian.
/// </summary>
public static class SourcePosition
{
    public const string HeaderName = "iot-source";

    public static void Stamp(Headers headers, int partition, long offset)
    {
        var value = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(value, partition);
        BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(4), offset);
        headers.Remove(HeaderName);
        headers.Add(HeaderName, value);
    }

    public static bool TryRead(Headers? headers, out int partition, out long offset)
    {
        (partition, offset) = (-1, -1);
        if (headers is null || !headers.TryGetLastBytes(HeaderName, out var value) || value is not { Length: 12 })
            return false;
        partition = BinaryPrimitives.ReadInt32BigEndian(value);
        offset = BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(4));
        return true;
    }
}
