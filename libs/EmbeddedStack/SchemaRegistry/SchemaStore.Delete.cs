namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// Deletion with Confluent's two steps: a soft delete hides versions (still readable with deleted=true),
/// a permanent delete (permanent=true) removes versions that were soft-deleted first. Schema ids stay.
/// </summary>
internal sealed partial class SchemaStore
{
    public IReadOnlyList<int> DeleteSubject(string subject, bool permanent)
    {
        lock (_gate)
        {
            var versions = _state.Subjects.GetValueOrDefault(subject) ?? throw RegistryException.SubjectNotFound(subject);
            List<int> affected;
            if (permanent)
            {
                if (versions.Any(v => !v.Deleted))
                    throw RegistryException.SubjectNotSoftDeleted(subject);
                affected = versions.Select(v => v.Version).ToList();
                _state.Subjects.Remove(subject);
                _state.SubjectCompatibility.Remove(subject);
            }
            else
            {
                var live = versions.Where(v => !v.Deleted).ToList();
                if (live.Count == 0)
                    throw RegistryException.SubjectSoftDeleted(subject);
                live.ForEach(v => v.Deleted = true);
                affected = live.Select(v => v.Version).ToList();
            }
            Save();
            return affected;
        }
    }

    public int DeleteVersion(string subject, string versionSpec, bool permanent)
    {
        var wanted = VersionSpec.Parse(versionSpec);
        lock (_gate)
        {
            var versions = _state.Subjects.GetValueOrDefault(subject) ?? throw RegistryException.SubjectNotFound(subject);
            var version = Find(subject, wanted, includeDeleted: permanent);
            if (permanent)
            {
                if (!version.Deleted)
                    throw RegistryException.VersionNotSoftDeleted(subject, version.Version);
                versions.Remove(version);
                if (versions.Count == 0)
                    _state.Subjects.Remove(subject);
            }
            else
            {
                if (version.Deleted)
                    throw RegistryException.VersionSoftDeleted(subject, version.Version);
                version.Deleted = true;
            }
            Save();
            return version.Version;
        }
    }
}
