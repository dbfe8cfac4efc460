using System.Text.RegularExpressions;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace Pipeline.ClickHouseSchema;

/// <summary>
/// Brings a ClickHouse database to the newest schema this build knows: creates the database,
/// applies the pending Migrations/NNNN_name.sql files in order and records each in
/// <c>schema_migrations</c> (version, name, checksum, applied_at). Running it again applies
/// nothing. It refuses a database migrated by a newer build (<see cref="SchemaTooNewException"/>)
/// and applied files that were edited since (<see cref="MigrationChecksumMismatchException"/>).
/// </summary>
public sealed partial class ClickHouseMigrator : IDisposable
{
    public const string HistoryTable = "schema_migrations";

    /// <summary>ClickHouse's UNKNOWN_SETTING error code.</summary>
    private const int UnknownSetting = 115;

    private readonly IClickHouseClient _client;
    private readonly bool _ownsClient;
    private readonly IReadOnlyList<Migration> _migrations;

    /// <summary>Uses <paramref name="client"/>; the caller keeps ownership of it.</summary>
    public ClickHouseMigrator(IClickHouseClient client, string database)
        : this(client, ownsClient: false, database, Migration.Known)
    {
    }

    /// <summary>Connects with a ClickHouse.Driver connection string (Host=...;Port=...;...).</summary>
    public ClickHouseMigrator(string connectionString, string database)
        : this(new ClickHouseClient(connectionString), ownsClient: true, database, Migration.Known)
    {
    }

    /// <summary>Connects with the settings of an ADO.NET connection; its database unless one is given.</summary>
    public ClickHouseMigrator(ClickHouseConnection connection, string? database = null)
        : this(new ClickHouseClient(connection.Settings), ownsClient: true, database ?? connection.Database, Migration.Known)
    {
    }

    /// <summary>Applies <paramref name="migrations"/> instead of this build's files (tests).</summary>
    internal ClickHouseMigrator(string connectionString, string database, IReadOnlyList<Migration> migrations)
        : this(new ClickHouseClient(connectionString), ownsClient: true, database, migrations)
    {
    }

    private ClickHouseMigrator(IClickHouseClient client, bool ownsClient, string database, IReadOnlyList<Migration> migrations)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrEmpty(database) || !Identifier().IsMatch(database))
            throw new ArgumentException($"The ClickHouse database name must be a plain identifier (letters, digits, '_'); got '{database}'.", nameof(database));
        _client = client;
        _ownsClient = ownsClient;
        Database = database;
        _migrations = migrations;
    }

    public string Database { get; }

    /// <summary>The newest version among the migration files of this build.</summary>
    public int LatestKnownVersion => _migrations.Count == 0 ? 0 : _migrations[^1].Version;

    public IReadOnlyList<Migration> Migrations => _migrations;

    /// <summary>The highest version recorded in the database; 0 when it has no schema yet.</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken ct = default)
    {
        var applied = await ReadAppliedAsync(ct);
        return applied.Count == 0 ? 0 : applied.Keys.Max();
    }

    /// <summary>Applies the pending migrations in order; safe to run again and after an interrupted run.</summary>
    public async Task<MigrationReport> MigrateAsync(CancellationToken ct = default)
    {
        // The target database may not exist yet, so this one statement runs in `system`.
        await ExecuteAsync($"CREATE DATABASE IF NOT EXISTS `{Database}`", "system", ct);
        await ExecuteAsync(
            $"""
            CREATE TABLE IF NOT EXISTS {HistoryTable}
            (
                version    UInt32,
                name       String,
                checksum   String,
                applied_at DateTime64(3, 'UTC')
            )
            ENGINE = ReplacingMergeTree(applied_at)
            ORDER BY version
            """, Database, ct);

        var applied = await ReadAppliedAsync(ct);
        var from = applied.Count == 0 ? 0 : applied.Keys.Max();
        if (from > LatestKnownVersion)
            throw new SchemaTooNewException(Database, from, LatestKnownVersion);
        foreach (var migration in _migrations)
            if (applied.TryGetValue(migration.Version, out var checksum) && checksum != migration.Checksum)
                throw new MigrationChecksumMismatchException(Database, migration, checksum);

        var done = new List<Migration>();
        var skipped = new List<string>();
        foreach (var migration in _migrations.Where(m => !applied.ContainsKey(m.Version)))
        {
            // Every statement is idempotent (IF NOT EXISTS, MODIFY SETTING), so a file cut short is re-run whole.
            foreach (var statement in migration.Statements)
            {
                try
                {
                    await ExecuteAsync(statement, Database, ct);
                }
                catch (ClickHouseServerException e) when (migration.IsTuning && e.ErrorCode == UnknownSetting)
                {
                    skipped.Add($"{migration.Version:0000}_{migration.Name}: {e.Message.Split('\n')[0]}");
                }
            }
            await RecordAsync(migration, ct);
            done.Add(migration);
        }
        return new MigrationReport(Database, from, Math.Max(from, done.Count == 0 ? from : done[^1].Version), done, skipped);
    }

    private async Task<Dictionary<int, string>> ReadAppliedAsync(CancellationToken ct)
    {
        var exists = new ClickHouseParameterCollection();
        exists.AddParameter("db", Database);
        exists.AddParameter("table", HistoryTable);
        var found = await _client.ExecuteScalarAsync(
            "SELECT count() FROM system.tables WHERE database = {db:String} AND name = {table:String}", exists, null, ct);
        var applied = new Dictionary<int, string>();
        if (Convert.ToInt64(found, System.Globalization.CultureInfo.InvariantCulture) == 0)
            return applied;
        // FINAL: two migrators racing may both record a version; the table keeps one row per version.
        using var reader = await _client.ExecuteReaderAsync(
            $"SELECT version, checksum FROM `{Database}`.{HistoryTable} FINAL ORDER BY version", null, null, ct);
        while (reader.Read())
            applied[Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)] = reader.GetString(1);
        return applied;
    }

    private Task RecordAsync(Migration migration, CancellationToken ct)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("version", (uint)migration.Version);
        parameters.AddParameter("name", migration.Name);
        parameters.AddParameter("checksum", migration.Checksum);
        return ExecuteAsync(
            $"INSERT INTO {HistoryTable} (version, name, checksum, applied_at) SELECT {{version:UInt32}}, {{name:String}}, {{checksum:String}}, now64(3, 'UTC')",
            Database, ct, parameters);
    }

    private Task ExecuteAsync(string sql, string database, CancellationToken ct, ClickHouseParameterCollection? parameters = null) =>
        _client.ExecuteNonQueryAsync(sql, parameters, new QueryOptions { Database = database }, ct);

    public void Dispose()
    {
        if (_ownsClient)
            _client.Dispose();
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
