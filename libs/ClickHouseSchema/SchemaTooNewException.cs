namespace Pipeline.ClickHouseSchema;

/// <summary>
/// The database records a schema version newer than this build knows: it was migrated by a
/// newer release. Running older code against it could write rows the new schema does not
/// expect, so the migrator refuses instead of guessing.
/// </summary>
public sealed class SchemaTooNewException(string database, int databaseVersion, int knownVersion)
    : Exception($"The ClickHouse database '{database}' is at schema version {databaseVersion}, but this build only knows versions up to {knownVersion}. " +
                "It was migrated by a newer release of the pipeline; run that release (or a newer one) against it.")
{
    public string Database { get; } = database;
    public int DatabaseVersion { get; } = databaseVersion;
    public int KnownVersion { get; } = knownVersion;
}
