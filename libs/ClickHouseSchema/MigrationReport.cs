namespace Pipeline.ClickHouseSchema;

/// <summary>What <see cref="ClickHouseMigrator.MigrateAsync"/> did: the version before and after, and the files applied.</summary>
public sealed record MigrationReport(string Database, int FromVersion, int ToVersion, IReadOnlyList<Migration> Applied)
{
    public override string ToString() => Applied.Count == 0
        ? $"ClickHouse schema of '{Database}' is up to date at version {ToVersion}."
        : $"ClickHouse schema of '{Database}' migrated from version {FromVersion} to {ToVersion}: {string.Join(", ", Applied.Select(m => $"{m.Version:0000}_{m.Name}"))}.";
}
