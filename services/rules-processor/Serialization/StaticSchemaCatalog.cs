using Google.Protobuf.Reflection;

namespace Pipeline.RulesProcessor.Serialization;

/// <summary>
/// A fixed catalog: one schema id for every topic, and only that id accepted on input. For running a
/// topology without a Schema Registry (TopologyTestDriver tests, the benchmark's baseline).
/// </summary>
public sealed class StaticSchemaCatalog(int registered) : ISchemaCatalog
{
    public int SchemaIdFor(string topic) => registered;

    public string? CheckSchemaId(int schemaId, MessageDescriptor expected) =>
        schemaId == registered ? null : $"schema id {schemaId} is not registered (known: {registered})";
}
