using Pipeline.ClickHouseSchema;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.ClickHouse;

/// <summary>The versioned schema applied through ClickHouse.Driver, as `./pipeline migrate` does.</summary>
public sealed class ClickHouseMigratorTests
{
    private readonly ClickHouseFixture _clickHouse = ClickHouseFixture.Shared;

    [Fact]
    public async Task Migrating_creates_database_and_tables_and_a_second_run_applies_nothing()
    {
        var database = "migrate_" + Guid.NewGuid().ToString("N");
        using var migrator = new ClickHouseMigrator(_clickHouse.ConnectionString("default"), database);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(0, first.FromVersion);
        Assert.Equal(migrator.LatestKnownVersion, first.ToVersion);
        Assert.Equal(migrator.LatestKnownVersion, first.Applied.Count);
        Assert.Empty(second.Applied);
        Assert.Equal(migrator.LatestKnownVersion, await migrator.CurrentVersionAsync());
        var tables = await _clickHouse.ExecuteAsync($"SELECT name FROM system.tables WHERE database = '{database}' ORDER BY name");
        Assert.Equal(["connectivity", "devices", "events", "rejected", "schema_migrations", "shadow_history", "telemetry", "telemetry_1m"],
            tables.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var history = await _clickHouse.ExecuteAsync("SELECT version, name, length(checksum) FROM schema_migrations FINAL ORDER BY version", database);
        Assert.StartsWith("1\ttelemetry\t64\n2\ttelemetry_1m\t64\n", history);
    }

    [Fact]
    public async Task Telemetry_is_a_plain_merge_tree_that_honours_deduplication_tokens()
    {
        var database = "migrate_" + Guid.NewGuid().ToString("N");
        using var migrator = new ClickHouseMigrator(_clickHouse.ConnectionString("default"), database);
        await migrator.MigrateAsync();

        var engine = await _clickHouse.ExecuteAsync($"SELECT engine, create_table_query FROM system.tables WHERE database = '{database}' AND name = 'telemetry' FORMAT TSVRaw");

        Assert.StartsWith("MergeTree\t", engine);
        Assert.Contains("non_replicated_deduplication_window = 1000", engine);
    }

    [Fact]
    public async Task Telemetry_merges_at_least_sixteen_parts_at_once()
    {
        var database = "migrate_" + Guid.NewGuid().ToString("N");
        using var migrator = new ClickHouseMigrator(_clickHouse.ConnectionString("default"), database);
        var report = await migrator.MigrateAsync();

        var create = await _clickHouse.ExecuteAsync($"SELECT create_table_query FROM system.tables WHERE database = '{database}' AND name = 'telemetry' FORMAT TSVRaw");

        Assert.Empty(report.Skipped);
        // 0007 set 10 and 8; 0009 widened them (each file is applied once, in order, so both stay in the history).
        Assert.Contains("merge_selector_base = 20", create);
        Assert.Contains("min_parts_to_merge_at_once = 16", create);
    }

    [Fact]
    public async Task A_tuning_setting_the_server_does_not_know_is_skipped_and_reported_but_elsewhere_it_stops_the_migration()
    {
        var database = "migrate_" + Guid.NewGuid().ToString("N");
        Migration[] tuning =
        [
            new(1, "t", "CREATE TABLE IF NOT EXISTS t (x UInt8) ENGINE = MergeTree ORDER BY x"),
            new(2, "t_tuning", "ALTER TABLE t MODIFY SETTING no_such_merge_setting = 1"),
        ];
        using var tolerant = new ClickHouseMigrator(_clickHouse.ConnectionString("default"), database, tuning);

        var report = await tolerant.MigrateAsync();

        Assert.Equal(2, report.ToVersion);
        var skipped = Assert.Single(report.Skipped);
        Assert.StartsWith("0002_t_tuning: ", skipped);
        Assert.Contains("no_such_merge_setting", skipped);
        Assert.Contains("Skipped (this ClickHouse does not know the setting", report.ToString());
        Assert.Equal(2, await tolerant.CurrentVersionAsync());

        Migration[] strict = [.. tuning[..1], new(2, "t_settings", "ALTER TABLE t MODIFY SETTING no_such_merge_setting = 1")];
        var other = "migrate_" + Guid.NewGuid().ToString("N");
        using var refusing = new ClickHouseMigrator(_clickHouse.ConnectionString("default"), other, strict);
        var refused = await Assert.ThrowsAsync<global::ClickHouse.Driver.ClickHouseServerException>(() => refusing.MigrateAsync());
        Assert.Equal(115, refused.ErrorCode);
        Assert.Equal(1, await refusing.CurrentVersionAsync());
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_build_is_refused_with_both_versions()
    {
        var database = "migrate_" + Guid.NewGuid().ToString("N");
        using var migrator = new ClickHouseMigrator(_clickHouse.ConnectionString("default"), database);
        await migrator.MigrateAsync();
        var newer = migrator.LatestKnownVersion + 5;
        await _clickHouse.ExecuteAsync(
            $"INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ({newer}, 'from_the_future', 'x', now64(3))", database);

        var refused = await Assert.ThrowsAsync<SchemaTooNewException>(() => migrator.MigrateAsync());

        Assert.Equal(newer, refused.DatabaseVersion);
        Assert.Equal(migrator.LatestKnownVersion, refused.KnownVersion);
        Assert.Contains($"schema version {newer}", refused.Message);
        Assert.Contains($"up to {migrator.LatestKnownVersion}", refused.Message);
        Assert.Equal(newer, await migrator.CurrentVersionAsync());
    }

    [Fact]
    public void Migration_files_are_numbered_without_gaps_and_each_is_one_statement()
    {
        Assert.NotEmpty(Migration.Known);
        Assert.Equal(Enumerable.Range(1, Migration.Known.Count), Migration.Known.Select(m => m.Version));
        Assert.All(Migration.Known, m => Assert.Single(m.Statements));
    }
}
