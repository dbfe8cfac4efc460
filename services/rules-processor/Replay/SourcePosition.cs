using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;

namespace Pipeline.RulesProcessor.Replay;

/// <summary>
/// The input record an output was made from (partition and offset of the input topic), carried in a Kafka
/// header of the output so that a restarted processor can tell which of the records it replays already have
/// their output in the topic (<see cref="OutputLedger"/>). 12 bytes: partition and offset, big-endian, then the
/// input topic's name in UTF-8: one output topic can be fed from two input topics (the rules module writes
/// iot.rejected for telemetry and for device events), whose offsets must not be taken for one another.
/// A 12-byte header (written before the name was added) names no topic and stands for any.
/// </summary>
public static class SourcePosition
{
    public const string HeaderName = "iot-source";

    public static void Stamp(Headers headers, int partition, long offset) => Stamp(headers, "", partition, offset);

    public static void Stamp(Headers headers, string topic, int partition, long offset)
    {
        var value = new byte[12 + Encoding.UTF8.GetByteCount(topic)];
        BinaryPrimitives.WriteInt32BigEndian(value, partition);
        BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(4), offset);
        Encoding.UTF8.GetBytes(topic, value.AsSpan(12));
        headers.Remove(HeaderName);
        headers.Add(HeaderName, value);
    }

    public static bool TryRead(Headers? headers, out int partition, out long offset) => TryRead(headers, out _, out partition, out offset);

    /// <summary><paramref name="topic"/> is null when the header names none.</summary>
    public static bool TryRead(Headers? headers, out string? topic, out int partition, out long offset)
    {
        (topic, partition, offset) = (null, -1, -1);
        if (headers is null || !headers.TryGetLastBytes(HeaderName, out var value) || value is null || value.Length < 12)
            return false;
        partition = BinaryPrimitives.ReadInt32BigEndian(value);
        offset = BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(4));
        topic = value.Length > 12 ? Encoding.UTF8.GetString(value, 12, value.Length - 12) : null;
        return true;
    }
}
