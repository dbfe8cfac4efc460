using Confluent.Kafka;
using Google.Protobuf;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.Serialization;

/// <summary>Plain Protobuf (no registry framing) for state-store values, which only this service reads.</summary>
public sealed class StateSerDes<T> : AbstractSerDes<T> where T : class, IMessage<T>, new()
{
    private static readonly MessageParser<T> Parser = new(() => new T());

    public override byte[] Serialize(T data, SerializationContext context) => data?.ToByteArray()!;

    public override T Deserialize(byte[] data, SerializationContext context) => data is null ? null! : Parser.ParseFrom(data);
}
