namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>A version of a subject, with the schema it points at.</summary>
internal sealed record RegisteredView(string Subject, int Version, StoredSchema Schema, bool Deleted);

/// <summary>
/// The registry's data and rules, independent of HTTP. One lock serialises every operation (the
/// registry sees a handful of requests per producer start, so simplicity beats concurrency), and
/// every change is written to disk before the caller gets its answer.
/// Ids are global and content-addressed like Confluent's: the same schema text, type, references and
/// metadata get the same id under any subject, and an id never changes meaning, even after its
/// versions are deleted (so records already written stay readable).
/// </summary>
internal sealed partial class SchemaStore : IDisposable
{
    private readonly Lock _gate = new();
    private readonly RegistryStateFile _file;
    private readonly RegistryState _state;
    private readonly Dictionary<int, StoredSchema> _byId = [];
    private readonly Dictionary<string, StoredSchema> _byGuid = [];
    private readonly Dictionary<string, StoredSchema> _byIdentity = [];
    private bool _unsaved;

    private SchemaStore(RegistryStateFile file, RegistryState state)
    {
        _file = file;
        _state = state;
        foreach (var schema in state.Schemas)
            Index(schema);
    }

    public static SchemaStore Open(string directory)
    {
        var file = RegistryStateFile.Open(directory);
        try
        {
            return new SchemaStore(file, file.Load());
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public RegisteredView Register(string subject, SchemaInput input, bool normalize)
    {
        if (normalize)
            input = input.Normalized();
        lock (_gate)
        {
            CheckReferences(input.References);
            var versions = _state.Subjects.GetValueOrDefault(subject);
            var existing = versions?.LastOrDefault(v => !v.Deleted && Matches(_byId[v.SchemaId], input, normalize));
            if (existing is not null)
            {
                if (_unsaved)
                    Save();
                return View(subject, existing);
            }
            var schema = _byIdentity.GetValueOrDefault(input.IdentityKey) ?? Add(input);
            if (versions is null)
                _state.Subjects[subject] = versions = [];
            var version = new SubjectVersion { Version = versions.Count == 0 ? 1 : versions.Max(v => v.Version) + 1, SchemaId = schema.Id };
            versions.Add(version);
            Save();
            return View(subject, version);
        }
    }

    public RegisteredView Lookup(string subject, SchemaInput input, bool normalize, bool includeDeleted)
    {
        if (normalize)
            input = input.Normalized();
        lock (_gate)
        {
            var versions = VersionsOf(subject, includeDeleted);
            var match = versions.LastOrDefault(v => Matches(_byId[v.SchemaId], input, normalize))
                ?? throw RegistryException.SchemaNotFound();
            return View(subject, match);
        }
    }

    public void Dispose() => _file.Dispose();

    private List<SubjectVersion> VersionsOf(string subject, bool includeDeleted)
    {
        var versions = _state.Subjects.GetValueOrDefault(subject)?.Where(v => includeDeleted || !v.Deleted).ToList();
        return versions is { Count: > 0 } ? versions : throw RegistryException.SubjectNotFound(subject);
    }

    private SubjectVersion Find(string subject, int? version, bool includeDeleted)
    {
        var versions = VersionsOf(subject, includeDeleted);
        return version is null
            ? versions.MaxBy(v => v.Version)!
            : versions.FirstOrDefault(v => v.Version == version) ?? throw RegistryException.VersionNotFound(subject, version.Value);
    }

    private RegisteredView View(string subject, SubjectVersion version) =>
        new(subject, version.Version, _byId[version.SchemaId], version.Deleted);

    private static bool Matches(StoredSchema stored, SchemaInput input, bool normalize) =>
        (normalize ? SchemaInput.Of(stored).Normalized() : SchemaInput.Of(stored)).IdentityKey == input.IdentityKey;

    private void CheckReferences(IReadOnlyList<SchemaRef> references)
    {
        foreach (var r in references)
        {
            var found = _state.Subjects.GetValueOrDefault(r.Subject)?.Any(v => v.Version == r.Version && !v.Deleted) ?? false;
            if (!found)
                throw RegistryException.InvalidSchema($"reference '{r.Name}' names subject '{r.Subject}' version {r.Version}, which is not registered");
        }
    }

    private StoredSchema Add(SchemaInput input)
    {
        var schema = new StoredSchema
        {
            Id = _state.Schemas.Count == 0 ? 1 : _state.Schemas.Max(s => s.Id) + 1,
            Guid = System.Guid.NewGuid().ToString("D"),
            SchemaType = input.SchemaType,
            Schema = input.Schema,
            References = [.. input.References],
            Metadata = input.Metadata?.DeepClone(),
            RuleSet = input.RuleSet?.DeepClone(),
        };
        _state.Schemas.Add(schema);
        Index(schema);
        return schema;
    }

    private void Index(StoredSchema schema)
    {
        _byId[schema.Id] = schema;
        _byGuid[schema.Guid.ToLowerInvariant()] = schema;
        _byIdentity.TryAdd(SchemaInput.Of(schema).IdentityKey, schema);
    }

    /// <summary>
    /// Writes the state; if the disk refuses, the caller gets the error and the change stays in memory
    /// marked unsaved, so the client's retry (which finds it already there) saves it.
    /// </summary>
    private void Save()
    {
        _unsaved = true;
        _file.Save(_state);
        _unsaved = false;
    }
}
