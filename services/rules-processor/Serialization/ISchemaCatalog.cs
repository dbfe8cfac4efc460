using Google.Protobuf.Reflection;

namespace Pipeline.RulesProcessor.Serialization;

/// <summary>
/// What the topology needs from the Schema Registry, answered synchronously on the stream thread:
/// the schema id to write each output topic with (resolved before the stream starts), and whether a
/// schema id found on an input record names a schema that holds the expected message.
/// </summary>
public interface ISchemaCatalog
{
    /// <summary>The id registered under <c>&lt;topic&gt;-value</c>; throws when the topic was not resolved at start.</summary>
    int SchemaIdFor(string topic);

    /// <summary>Null when <paramref name="schemaId"/> is acceptable for <paramref name="expected"/>, else why not.</summary>
    string? CheckSchemaId(int schemaId, MessageDescriptor expected);
}
