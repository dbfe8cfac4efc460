using Google.Protobuf.Reflection;

namespace Pipeline.RulesProcessor.Serialization;

/// <summary>
/// A fixed catalog: one schema id for every topic, and only that id accepted on input. For running a
/// topology without a Schema Registry (TopologyTestDriver tests, the benchmark's baseline).
/// </summary>
public sealed class StaticSchemaCatalog(int schemaId) : ISchemaCatalog
{
    public int SchemaIdFor(string topic) => schemaId;

    public string? CheckSchemaId(int id, MessageDescriptor expected) =>
        id == schemaId ? null : $"schema id {id} is not registered (known: {schemaId})";
}
