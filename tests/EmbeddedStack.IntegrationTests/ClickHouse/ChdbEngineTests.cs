using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.ClickHouse;

/// <summary>The chDB engine in this test process: signals, errors, inserts through a file.</summary>
public sealed class ChdbEngineTests
{
    private readonly ChdbEngine _engine = ClickHouseFixture.EmbeddedEngine;

    [Fact]
    public void A_null_dereference_is_a_catchable_exception_in_the_process_hosting_chdb()
    {
        // chdb_connect replaces the process's signal handlers; without restoring .NET's, this
        // hardware fault (SIGSEGV) killed the test process instead of raising the exception.
        Assert.Equal("1", _engine.Query("SELECT 1").Text.Trim());
        var caught = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                try { _ = Dereference(null); }
                catch (NullReferenceException) { Interlocked.Increment(ref caught); }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        threads.ForEach(t => t.Join());
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();

        Assert.Equal(400, caught);
        Assert.Equal("2", _engine.Query("SELECT 1 + 1").Text.Trim());
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int Dereference(string? value) => value!.Length;

    [Fact]
    public void A_refused_query_carries_clickhouse_error_text_and_code()
    {
        var unknown = Assert.Throws<ChdbQueryException>(() => _engine.Query("SELECT * FROM no_such_db_xyz.no_such_table"));
        Assert.Equal(81, unknown.Code);
        Assert.StartsWith("Code: 81. DB::Exception:", unknown.Message);
        Assert.Equal("UNKNOWN_DATABASE", unknown.ErrorName);

        var syntax = Assert.Throws<ChdbQueryException>(() => _engine.Query("SELEC 1"));
        Assert.Equal(62, syntax.Code);
    }

    [Fact]
    public void Rows_inserted_through_a_file_all_land_and_settings_do_not_outlive_their_query()
    {
        var db = "engine_" + Guid.NewGuid().ToString("N");
        _engine.Query($"CREATE DATABASE {db}");
        _engine.Query($"CREATE TABLE {db}.t (id UInt32, name String) ENGINE = MergeTree ORDER BY id");
        // 10,000 RowBinary rows: inlined in the query text chDB kept only the first 2,560.
        using var data = new MemoryStream();
        using (var writer = new BinaryWriter(data, System.Text.Encoding.UTF8, leaveOpen: true))
            for (uint i = 0; i < 10_000; i++) { writer.Write(i); writer.Write($"name-{i}"); }

        var result = _engine.Insert($"INSERT INTO {db}.t (id, name)", "RowBinary", data.ToArray());

        Assert.Equal(10_000UL, result.RowsWritten);
        Assert.Equal("10000\t49995000", _engine.Query($"SELECT count(), sum(id) FROM {db}.t").Text.Trim());
        var withSetting = new ChdbQueryOptions { Settings = [new("max_block_size", "1234")], Database = db };
        Assert.Equal("1234", _engine.Query("SELECT getSetting('max_block_size')", "TabSeparated", withSetting).Text.Trim());
        Assert.NotEqual("1234", _engine.Query("SELECT getSetting('max_block_size')").Text.Trim());
    }
}
