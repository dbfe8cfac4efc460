namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>The read side: schemas by id or guid, subjects, versions, and who references what.</summary>
internal sealed partial class SchemaStore
{
    public StoredSchema SchemaById(int id)
    {
        lock (_gate)
            return _byId.GetValueOrDefault(id) ?? throw RegistryException.SchemaIdNotFound(id);
    }

    public StoredSchema SchemaByGuid(string guid)
    {
        lock (_gate)
            return _byGuid.GetValueOrDefault(guid.ToLowerInvariant()) ?? throw RegistryException.SchemaNotFound();
    }

    public IReadOnlyList<(string Subject, int Version)> VersionsOfSchema(int id, bool includeDeleted)
    {
        lock (_gate)
        {
            if (!_byId.ContainsKey(id))
                throw RegistryException.SchemaIdNotFound(id);
            return _state.Subjects
                .SelectMany(s => s.Value.Where(v => v.SchemaId == id && (includeDeleted || !v.Deleted)).Select(v => (s.Key, v.Version)))
                .ToList();
        }
    }

    public IReadOnlyList<string> Subjects(bool includeDeleted, string? prefix)
    {
        lock (_gate)
            return _state.Subjects
                .Where(s => (includeDeleted || s.Value.Any(v => !v.Deleted)) && (prefix is null || s.Key.StartsWith(prefix, StringComparison.Ordinal)))
                .Select(s => s.Key)
                .ToList();
    }

    public IReadOnlyList<int> Versions(string subject, bool includeDeleted)
    {
        lock (_gate)
            return VersionsOf(subject, includeDeleted).Select(v => v.Version).ToList();
    }

    public RegisteredView Version(string subject, string versionSpec, bool includeDeleted)
    {
        var wanted = VersionSpec.Parse(versionSpec);
        lock (_gate)
            return View(subject, Find(subject, wanted, includeDeleted));
    }

    /// <summary>Ids of the schemas whose references point at this subject version.</summary>
    public IReadOnlyList<int> ReferencedBy(string subject, string versionSpec)
    {
        var wanted = VersionSpec.Parse(versionSpec);
        lock (_gate)
        {
            var version = Find(subject, wanted, includeDeleted: false).Version;
            return _state.Schemas
                .Where(s => s.References.Any(r => r.Subject == subject && r.Version == version))
                .Select(s => s.Id)
                .ToList();
        }
    }
}
