using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Contracts.Serialization;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.Serialization;

/// <summary>Writes (and reads back) a contract record in the Confluent Protobuf wire format with a schema id fixed at start.</summary>
public sealed class ProtobufSerDes<T>(int schemaId) : AbstractSerDes<T>
    where T : class, IMessage<T>, new()
{
    public override byte[] Serialize(T data, SerializationContext context) =>
        data is null ? null! : ProtobufSerializer<T>.Encode(data, schemaId);

    public override T Deserialize(byte[] data, SerializationContext context) =>
        data is null ? null! : ProtobufDeserializer<T>.Decode(data);
}
