namespace Pipeline.ClickHouseSchema;

/// <summary>
/// What <see cref="ClickHouseMigrator.MigrateAsync"/> did: the version before and after, the files applied, and the
/// statements of tuning files the server refused as unknown settings (skipped, with the server's reason).
/// </summary>
public sealed record MigrationReport(string Database, int FromVersion, int ToVersion, IReadOnlyList<Migration> Applied, IReadOnlyList<string> Skipped)
{
    public override string ToString() => (Applied.Count == 0
        ? $"ClickHouse schema of '{Database}' is up to date at version {ToVersion}."
        : $"ClickHouse schema of '{Database}' migrated from version {FromVersion} to {ToVersion}: {string.Join(", ", Applied.Select(m => $"{m.Version:0000}_{m.Name}"))}.")
        + (Skipped.Count == 0 ? "" : $" Skipped (this ClickHouse does not know the setting; the schema is the same without it): {string.Join("; ", Skipped)}.");
}
