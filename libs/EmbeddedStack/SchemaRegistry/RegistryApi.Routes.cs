using System.Globalization;
using System.Text.Json.Nodes;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>A body written as it is (GET ../versions/{v}/schema answers the bare schema text).</summary>
internal sealed record RawBody(string Text);

/// <summary>The route table: each REST call of Confluent Schema Registry this registry answers.</summary>
internal sealed partial class RegistryApi
{
    /// <returns>A JsonNode, a <see cref="RawBody"/>, or a number.</returns>
    private object Dispatch(RegistryRequest r) => (r.Method, r.Segments) switch
    {
        ("GET", []) => new JsonObject(),

        ("GET", ["schemas", "types"]) => RegistryJson.Array([SchemaTypes.Json, SchemaTypes.Protobuf, SchemaTypes.Avro]),
        ("GET", ["schemas", "ids", var id]) => RegistryJson.Schema(store.SchemaById(SchemaId(id))),
        ("GET", ["schemas", "ids", var id, "versions"]) => new JsonArray(store.VersionsOfSchema(SchemaId(id), r.Flag("deleted"))
            .Select(v => (JsonNode?)new JsonObject { ["subject"] = v.Subject, ["version"] = v.Version }).ToArray()),
        ("GET", ["schemas", "ids", var id, "subjects"]) => RegistryJson.Array(store.VersionsOfSchema(SchemaId(id), r.Flag("deleted"))
            .Select(v => v.Subject).Distinct()),
        ("GET", ["schemas", "guids", var guid]) => RegistryJson.Schema(store.SchemaByGuid(guid)),

        ("GET", ["subjects"]) => RegistryJson.Array(store.Subjects(r.Flag("deleted"), r.Text("subjectPrefix"))),
        ("POST", ["subjects", var subject]) => RegistryJson.Registered(
            store.Lookup(subject, SchemaInput.FromBody(r.Body), r.Flag("normalize"), r.Flag("deleted"))),
        ("DELETE", ["subjects", var subject]) => RegistryJson.Array(store.DeleteSubject(subject, r.Flag("permanent"))),
        ("GET", ["subjects", var subject, "versions"]) => RegistryJson.Array(store.Versions(subject, r.Flag("deleted"))),
        ("POST", ["subjects", var subject, "versions"]) => Register(subject, r),
        ("GET", ["subjects", var subject, "versions", var version]) => RegistryJson.Registered(store.Version(subject, version, r.Flag("deleted"))),
        ("GET", ["subjects", var subject, "versions", var version, "schema"]) => new RawBody(store.Version(subject, version, r.Flag("deleted")).Schema.Schema),
        ("GET", ["subjects", var subject, "versions", var version, "referencedby"]) => RegistryJson.Array(store.ReferencedBy(subject, version)),
        ("DELETE", ["subjects", var subject, "versions", var version]) => store.DeleteVersion(subject, version, r.Flag("permanent")),

        ("GET", ["config"]) => CompatibilityBody(store.GlobalCompatibility),
        ("PUT", ["config"]) => UpdateCompatibility(null, r),
        ("GET", ["config", var subject]) => CompatibilityBody(store.SubjectCompatibility(subject, r.Flag("defaultToGlobal"))),
        ("PUT", ["config", var subject]) => UpdateCompatibility(subject, r),
        ("DELETE", ["config", var subject]) => CompatibilityBody(store.DeleteSubjectCompatibility(subject)),

        ("GET", ["mode"]) or ("GET", ["mode", _]) => new JsonObject { ["mode"] = "READWRITE" },

        ("POST", ["compatibility", "subjects", var subject, "versions", var version]) => CompatibilityCheck(subject, version, r),
        ("POST", ["compatibility", "subjects", var subject, "versions"]) => CompatibilityCheck(subject, null, r),

        _ => throw (KnownPath(r.Segments) ? RegistryException.MethodNotAllowed() : RegistryException.RouteNotFound()),
    };

    private JsonObject Register(string subject, RegistryRequest r)
    {
        CountRegistration(subject);
        var view = store.Register(subject, SchemaInput.FromBody(r.Body), r.Flag("normalize"));
        // Confluent answers {"id":N}; newer registries add the version and the rest, which lets the
        // client answer a later look-up of the same schema from its cache.
        return RegistryJson.Registered(view);
    }

    private JsonObject UpdateCompatibility(string? subject, RegistryRequest r)
    {
        // The client sends {"compatibility":"FULL"}; Confluent also accepts "compatibilityLevel".
        var level = (r.Body as JsonObject)?["compatibility"] ?? (r.Body as JsonObject)?["compatibilityLevel"];
        var text = level is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return new JsonObject { ["compatibility"] = store.SetCompatibility(subject, text) };
    }

    /// <summary>GET /config answers "compatibilityLevel"; the client's ServerConfig reads it through its constructor.</summary>
    private static JsonObject CompatibilityBody(string level) => new() { ["compatibilityLevel"] = level };

    private JsonObject CompatibilityCheck(string subject, string? version, RegistryRequest r)
    {
        SchemaInput.FromBody(r.Body); // a garbled schema is 42201 here as on registration
        var result = new JsonObject { ["is_compatible"] = store.IsCompatible(subject, version) };
        if (r.Flag("verbose"))
            result["messages"] = new JsonArray();
        return result;
    }

    private static int SchemaId(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new RegistryException(404, 40403, $"Schema {text} not found");

    private static bool KnownPath(string[] segments) => segments switch
    {
        [] or ["subjects", ..] or ["schemas", ..] or ["config", ..] or ["mode", ..] or ["compatibility", ..] => true,
        _ => false,
    };
}
