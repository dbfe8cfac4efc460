namespace Pipeline.ClickHouseSchema;

/// <summary>
/// A migration file was changed after it had been applied to the database. Applied migrations
/// are history: a change belongs in a new file, otherwise databases migrated before and after
/// the edit silently differ.
/// </summary>
public sealed class MigrationChecksumMismatchException(string database, Migration migration, string recordedChecksum)
    : Exception($"Migration {migration.Version:0000}_{migration.Name} was applied to '{database}' with checksum {recordedChecksum}, " +
                $"but the file now has checksum {migration.Checksum}. Do not edit applied migrations; add a new one.")
{
    public Migration Migration { get; } = migration;
    public string RecordedChecksum { get; } = recordedChecksum;
}
