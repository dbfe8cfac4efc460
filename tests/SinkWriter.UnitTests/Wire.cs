using Google.Protobuf;
using Pipeline.Contracts.Serialization;

namespace Pipeline.SinkWriter.UnitTests;

/// <summary>Messages framed as they travel in Kafka (Confluent wire format, a made-up schema id).</summary>
internal static class Wire
{
    public static byte[] Frame<T>(T message) where T : IMessage<T>, new() => ProtobufSerializer<T>.Encode(message, schemaId: 7);

    public static DateTime Utc(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);
}
