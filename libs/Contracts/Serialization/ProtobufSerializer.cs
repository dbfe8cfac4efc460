using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Google.Protobuf;

namespace Pipeline.Contracts.Serialization;

/// <summary>
/// Writes <typeparamref name="T"/> in the Confluent Protobuf wire format, registering the
/// schema under <c>&lt;topic&gt;-value</c> (or -key) once per topic; ids are cached.
/// </summary>
public sealed class ProtobufSerializer<T>(ISchemaRegistryClient registry) : IAsyncSerializer<T>
    where T : IMessage<T>, new()
{
    private static readonly int[] Indexes = ProtobufSchema.MessageIndexesOf(new T().Descriptor);
    private static readonly byte[] EncodedIndexes = ConfluentProtobufWireFormat.EncodeIndexes(Indexes);
    private readonly ConcurrentDictionary<string, Task<int>> _schemaIds = new();

    public async Task<byte[]> SerializeAsync(T data, SerializationContext context)
    {
        var schemaId = await SchemaIdForAsync(context.Topic, context.Component == MessageComponentType.Key).ConfigureAwait(false);
        return Encode(data, schemaId);
    }

    /// <summary>Registers (or finds) the schema for a topic; callers that need a synchronous path call this once at start.</summary>
    public Task<int> SchemaIdForAsync(string topic, bool isKey = false)
    {
        var subject = $"{topic}-{(isKey ? "key" : "value")}";
        var task = _schemaIds.GetOrAdd(subject, s => RegisterAsync(s));
        if (task.IsFaulted)
        {
            // An earlier attempt failed (registry down): forget it and try again now.
            _schemaIds.TryRemove(new KeyValuePair<string, Task<int>>(subject, task));
            task = _schemaIds.GetOrAdd(subject, s => RegisterAsync(s));
        }
        return task;
    }

    public static byte[] Encode(T data, int schemaId)
    {
        var size = data.CalculateSize();
        var buffer = new byte[5 + EncodedIndexes.Length + size];
        buffer[0] = ConfluentProtobufWireFormat.MagicByte;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(1, 4), schemaId);
        EncodedIndexes.CopyTo(buffer, 5);
        data.WriteTo(buffer.AsSpan(5 + EncodedIndexes.Length));
        return buffer;
    }

    private Task<int> RegisterAsync(string subject)
    {
        var schema = new Schema(ProtobufSchema.TextOf(new T().Descriptor), new List<SchemaReference>(), SchemaType.Protobuf);
        return registry.RegisterSchemaAsync(subject, schema);
    }
}
