using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Contracts.Serialization;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.Serialization;

/// <summary>
/// Reads a contract record without ever throwing for bad bytes: a truncated value, a foreign magic byte,
/// an unknown or wrong schema id, another message type or an unparseable payload all come out as a
/// <see cref="Decoded{T}"/> with the error. (A Schema Registry that cannot be reached still throws,
/// so the stream stops and resumes later instead of rejecting good records.)
/// </summary>
public sealed class DecodingSerDes<T>(ISchemaCatalog schemas) : AbstractSerDes<Decoded<T>>
    where T : class, IMessage<T>, new()
{
    private static readonly Google.Protobuf.Reflection.MessageDescriptor Descriptor = new T().Descriptor;

    public override Decoded<T> Deserialize(byte[] data, SerializationContext context)
    {
        if (data is null)
            return new Decoded<T>(null, "record value is null", null);
        try
        {
            var header = ConfluentProtobufWireFormat.DecodeHeader(data);
            var schemaProblem = schemas.CheckSchemaId(header.SchemaId, Descriptor);
            if (schemaProblem is not null)
                return new Decoded<T>(null, schemaProblem, data);
            return new Decoded<T>(ProtobufDeserializer<T>.Decode(data), null, data);
        }
        catch (WireFormatException e)
        {
            return new Decoded<T>(null, $"{e.Error}: {e.Message}", data);
        }
    }

    public override byte[] Serialize(Decoded<T> data, SerializationContext context) =>
        data?.Raw ?? throw new NotSupportedException("Decoded values are only read, never written.");
}
