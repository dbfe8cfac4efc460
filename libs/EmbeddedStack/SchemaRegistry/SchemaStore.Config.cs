namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// Compatibility levels, global and per subject, stored and reported like Confluent's. The embedded
/// registry does not enforce them: every compatibility test answers compatible (it has no schema
/// parser to compare with). The real Confluent registry in production does the checking.
/// </summary>
internal sealed partial class SchemaStore
{
    public string GlobalCompatibility
    {
        get { lock (_gate) return _state.Compatibility; }
    }

    public string SubjectCompatibility(string subject, bool defaultToGlobal)
    {
        lock (_gate)
        {
            if (_state.SubjectCompatibility.TryGetValue(subject, out var level))
                return level;
            return defaultToGlobal ? _state.Compatibility : throw RegistryException.SubjectCompatibilityNotConfigured(subject);
        }
    }

    /// <param name="subject">Null for the global level.</param>
    public string SetCompatibility(string? subject, string? level)
    {
        var parsed = CompatibilityLevels.Parse(level);
        lock (_gate)
        {
            if (subject is null)
                _state.Compatibility = parsed;
            else
                _state.SubjectCompatibility[subject] = parsed;
            Save();
            return parsed;
        }
    }

    /// <returns>The level the subject had.</returns>
    public string DeleteSubjectCompatibility(string subject)
    {
        lock (_gate)
        {
            if (!_state.SubjectCompatibility.Remove(subject, out var previous))
                throw RegistryException.SubjectCompatibilityNotConfigured(subject);
            Save();
            return previous;
        }
    }

    /// <summary>Checks that the subject version exists (Confluent's 40401/40402), then answers compatible.</summary>
    public bool IsCompatible(string subject, string? versionSpec)
    {
        var wanted = versionSpec is null ? null : VersionSpec.Parse(versionSpec);
        lock (_gate)
        {
            // Like Confluent's: testing against "latest" (or all versions) of a subject with none is compatible.
            if (wanted is not null)
                Find(subject, wanted, includeDeleted: false);
            return true;
        }
    }
}
