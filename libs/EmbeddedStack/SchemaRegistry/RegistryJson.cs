using System.Text.Json.Nodes;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>Response bodies in Confluent Schema Registry's shapes (what Confluent.SchemaRegistry's data contracts read).</summary>
internal static class RegistryJson
{
    public static JsonObject Schema(StoredSchema schema)
    {
        var obj = new JsonObject();
        AddSchemaFields(obj, schema);
        return obj;
    }

    public static JsonObject Registered(RegisteredView view)
    {
        var obj = new JsonObject
        {
            ["subject"] = view.Subject,
            ["version"] = view.Version,
            ["id"] = view.Schema.Id,
        };
        AddSchemaFields(obj, view.Schema);
        return obj;
    }

    public static JsonObject Error(RegistryException e) => new()
    {
        ["error_code"] = e.ErrorCode,
        ["message"] = e.Message,
    };

    public static JsonArray Array<T>(IEnumerable<T> items) => new(items.Select(i => JsonValue.Create(i)).ToArray<JsonNode?>());

    /// <summary>
    /// Confluent leaves out schemaType for AVRO (the client maps a missing type to AVRO) and references
    /// when there are none.
    /// </summary>
    private static void AddSchemaFields(JsonObject obj, StoredSchema schema)
    {
        obj["guid"] = schema.Guid;
        if (schema.SchemaType != SchemaTypes.Avro)
            obj["schemaType"] = schema.SchemaType;
        if (schema.References.Count > 0)
            obj["references"] = new JsonArray(schema.References
                .Select(r => new JsonObject { ["name"] = r.Name, ["subject"] = r.Subject, ["version"] = r.Version })
                .ToArray<JsonNode?>());
        if (schema.Metadata is not null)
            obj["metadata"] = schema.Metadata.DeepClone();
        if (schema.RuleSet is not null)
            obj["ruleSet"] = schema.RuleSet.DeepClone();
        obj["schema"] = schema.Schema;
    }
}
