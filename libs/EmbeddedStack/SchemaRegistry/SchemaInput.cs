using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// A schema as a client sends it (register, look-up, compatibility): the body Confluent.SchemaRegistry's
/// RestService posts, {"schema":..,"schemaType":..,"references":[..],"metadata":..,"ruleSet":..}.
/// </summary>
internal sealed record SchemaInput(string SchemaType, string Schema, IReadOnlyList<SchemaRef> References, JsonNode? Metadata, JsonNode? RuleSet)
{
    public static SchemaInput FromBody(JsonNode? body)
    {
        if (body is not JsonObject obj)
            throw RegistryException.InvalidSchema("the request body must be a JSON object with a 'schema' field");
        var schema = ReadString(obj, "schema");
        if (string.IsNullOrWhiteSpace(schema))
            throw RegistryException.InvalidSchema("empty schema");
        var type = SchemaTypes.Parse(ReadString(obj, "schemaType"));
        var references = ReadReferences(obj["references"]);
        var input = new SchemaInput(type, schema, references, NullIfEmpty(obj["metadata"]), NullIfEmpty(obj["ruleSet"]));
        SchemaText.Validate(input.SchemaType, input.Schema);
        return input;
    }

    /// <summary>The same schema with its text in normal form (the `normalize=true` query parameter).</summary>
    public SchemaInput Normalized() => this with { Schema = SchemaText.Normalize(SchemaType, Schema) };

    /// <summary>What makes two registrations the same schema, and so the same global id.</summary>
    public string IdentityKey => JsonSerializer.Serialize(new object?[]
    {
        SchemaType, Schema, References, Metadata?.ToJsonString(), RuleSet?.ToJsonString(),
    });

    public static SchemaInput Of(StoredSchema stored) =>
        new(stored.SchemaType, stored.Schema, stored.References, stored.Metadata, stored.RuleSet);

    private static string? ReadString(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw RegistryException.InvalidSchema($"'{name}' must be a string"),
    };

    private static List<SchemaRef> ReadReferences(JsonNode? node)
    {
        if (node is null)
            return [];
        if (node is not JsonArray array)
            throw RegistryException.InvalidSchema("'references' must be an array");
        var list = new List<SchemaRef>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonObject r
                || r["name"]?.GetValueKind() != JsonValueKind.String
                || r["subject"]?.GetValueKind() != JsonValueKind.String
                || r["version"]?.GetValueKind() != JsonValueKind.Number)
                throw RegistryException.InvalidSchema("each reference needs a string 'name', a string 'subject' and a numeric 'version'");
            list.Add(new SchemaRef(r["name"]!.GetValue<string>(), r["subject"]!.GetValue<string>(), r["version"]!.GetValue<int>()));
        }
        return list;
    }

    private static JsonNode? NullIfEmpty(JsonNode? node) =>
        node is null || (node is JsonObject o && o.Count == 0) ? null : node.DeepClone();
}
