using System.Collections.Concurrent;
using System.Net;
using Confluent.SchemaRegistry;
using Google.Protobuf.Reflection;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;

namespace Pipeline.RulesProcessor.Serialization;

/// <summary>
/// Schema ids from the Schema Registry. Output ids are registered before the stream starts (Streamiz
/// serializers are synchronous); an input schema id is looked up once and its answer cached, so the
/// stream thread blocks on the registry only for an id it has never seen.
/// </summary>
public sealed class RegistrySchemaCatalog : ISchemaCatalog
{
    private readonly ISchemaRegistryClient _registry;
    private readonly IReadOnlyDictionary<string, int> _outputIds;
    private readonly ConcurrentDictionary<int, Schema?> _schemas = new();

    private RegistrySchemaCatalog(ISchemaRegistryClient registry, IReadOnlyDictionary<string, int> outputIds)
    {
        _registry = registry;
        _outputIds = outputIds;
    }

    /// <summary>Registers the contract schema under <c>&lt;topic&gt;-value</c> for every output topic.</summary>
    public static async Task<RegistrySchemaCatalog> CreateAsync(
        ISchemaRegistryClient registry, IEnumerable<string> outputTopics, CancellationToken cancellationToken)
    {
        // Every contract message lives in one .proto file, so the subject's schema is the same whatever the type.
        var serializer = new ProtobufSerializer<TelemetryRecord>(registry);
        var ids = new Dictionary<string, int>();
        foreach (var topic in outputTopics.Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            ids[topic] = await serializer.SchemaIdForAsync(topic).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return new RegistrySchemaCatalog(registry, ids);
    }

    public int SchemaIdFor(string topic) =>
        _outputIds.TryGetValue(topic, out var id)
            ? id
            : throw new InvalidOperationException($"No schema id was resolved at start for topic '{topic}'; declare it in the module's Writes.");

    public string? CheckSchemaId(int schemaId, MessageDescriptor expected)
    {
        var schema = _schemas.GetOrAdd(schemaId, Lookup);
        if (schema is null)
            return $"schema id {schemaId} is not registered in the Schema Registry";
        if (schema.SchemaType != SchemaType.Protobuf)
            return $"schema id {schemaId} is a {schema.SchemaType} schema, not Protobuf";
        if (!schema.SchemaString.Contains($"message {expected.Name} ", StringComparison.Ordinal)
            && !schema.SchemaString.Contains($"message {expected.Name}{{", StringComparison.Ordinal))
            return $"schema id {schemaId} does not declare message {expected.FullName}";
        return null;
    }

    private Schema? Lookup(int schemaId)
    {
        try
        {
            // Blocking is deliberate: a Streamiz deserializer is synchronous and this happens once per id.
            return _registry.GetSchemaAsync(schemaId).GetAwaiter().GetResult();
        }
        catch (SchemaRegistryException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
