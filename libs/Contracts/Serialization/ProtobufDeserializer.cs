using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Google.Protobuf;

namespace Pipeline.Contracts.Serialization;

/// <summary>
/// Reads <typeparamref name="T"/> from the Confluent Protobuf wire format. Every failure is a
/// <see cref="WireFormatException"/> that says what was wrong (magic byte, unknown schema id,
/// truncation, another message type, unparseable payload).
/// </summary>
public sealed class ProtobufDeserializer<T>(ISchemaRegistryClient? registry) : IAsyncDeserializer<T>
    where T : IMessage<T>, new()
{
    private static readonly MessageParser<T> Parser = new(() => new T());
    private static readonly int[] ExpectedIndexes = ProtobufSchema.MessageIndexesOf(new T().Descriptor);
    private readonly ConcurrentDictionary<int, Task<bool>> _knownSchemaIds = new();

    public async Task<T> DeserializeAsync(ReadOnlyMemory<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
            throw new WireFormatException(WireFormatError.Truncated, "Record value is null (a tombstone), not a record.");
        var header = ConfluentProtobufWireFormat.DecodeHeader(data.Span);
        if (registry is not null && !await IsKnownAsync(header.SchemaId).ConfigureAwait(false))
        {
            // Only known ids are remembered: garbage ids must not grow the cache, and an id that
            // becomes known later (a registry restored from backup) must be asked about again.
            _knownSchemaIds.TryRemove(header.SchemaId, out _);
            throw new WireFormatException(WireFormatError.UnknownSchemaId,
                $"Schema id {header.SchemaId} is not known to the Schema Registry.");
        }
        return Decode(data.Span, header);
    }

    /// <summary>Decodes without asking the registry (the header is still checked).</summary>
    public static T Decode(ReadOnlySpan<byte> data) => Decode(data, ConfluentProtobufWireFormat.DecodeHeader(data));

    private static T Decode(ReadOnlySpan<byte> data, ConfluentProtobufWireFormat.Header header)
    {
        if (!header.MessageIndexes.AsSpan().SequenceEqual(ExpectedIndexes))
            throw new WireFormatException(WireFormatError.UnexpectedMessageType,
                $"Record holds message [{string.Join(',', header.MessageIndexes)}] of its schema, expected {new T().Descriptor.FullName} [{string.Join(',', ExpectedIndexes)}].");
        try
        {
            return Parser.ParseFrom(data[header.PayloadOffset..]);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new WireFormatException(WireFormatError.InvalidPayload,
                $"Protobuf payload of {new T().Descriptor.FullName} does not parse: {e.Message}", e);
        }
    }

    private Task<bool> IsKnownAsync(int schemaId)
    {
        var task = _knownSchemaIds.GetOrAdd(schemaId, LookUpAsync);
        if (task.IsFaulted)
        {
            // An earlier look-up failed (registry down): forget it and ask again now.
            _knownSchemaIds.TryRemove(new KeyValuePair<int, Task<bool>>(schemaId, task));
            task = _knownSchemaIds.GetOrAdd(schemaId, LookUpAsync);
        }
        return task;
    }

    private async Task<bool> LookUpAsync(int schemaId)
    {
        try
        {
            await registry!.GetSchemaAsync(schemaId).ConfigureAwait(false);
            return true;
        }
        catch (SchemaRegistryException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
