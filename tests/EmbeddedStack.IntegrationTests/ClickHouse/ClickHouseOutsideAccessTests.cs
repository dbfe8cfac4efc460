using System.Net;
using System.Net.Sockets;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.ClickHouse;

/// <summary>
/// The embedded ClickHouse is no way into the machine: no user, not even the migrator, reads or writes a file
/// outside the engine or fetches a URL through it, however the statement is spelled. Each test plants a canary
/// (a file with a secret, a listening socket) and checks that the refused statement never touched it. The
/// engine-level tests go around the HTTP front's statement check, to show that the engine's own grants hold.
/// </summary>
public sealed class ClickHouseOutsideAccessTests : IDisposable
{
    private const string Secret = "canary-secret-7f3a";
    private readonly ClickHouseFixture _clickHouse = ClickHouseFixture.Shared;
    private readonly string _dir = Directory.CreateTempSubdirectory("ch-canary-").FullName;

    private string Canary => Path.Combine(_dir, "canary.txt");
    private string Written => Path.Combine(_dir, "written.txt");

    public ClickHouseOutsideAccessTests() => File.WriteAllText(Canary, Secret + "\n");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> ReadsAFile => new()
    {
        "SELECT * FROM file('{canary}', 'LineAsString')",
        "select * from FILE('{canary}', 'LineAsString')",
        "SELECT * FROM `file`('{canary}', 'LineAsString')",
        "SELECT * FROM \"file\"('{canary}', 'LineAsString')",
        "SELECT * FROM `fi\\x6ce`('{canary}', 'LineAsString')",
        "SELECT * FROM file /* a comment */ ('{canary}', 'LineAsString')",
        "SELECT * FROM file\n-- a line comment\n('{canary}', 'LineAsString')",
        "SELECT * FROM file\u00A0('{canary}', 'LineAsString')",
        "SELECT * FROM (SELECT * FROM (SELECT * FROM file('{canary}', 'LineAsString')))",
        "SELECT 1 WHERE 1 IN (SELECT 1 FROM file('{canary}', 'LineAsString'))",
        "SELECT file('{canary}')",
        "SELECT $$ ' $$, * FROM file('{canary}', 'LineAsString') -- '",
        "WITH x AS (SELECT * FROM file('{canary}', 'LineAsString')) SELECT * FROM x",
        "SELECT * FROM fileCluster('default', '{canary}', 'LineAsString')",
        "CREATE TABLE {db}.f (line String) ENGINE = File(LineAsString, '{canary}')",
        "CREATE TABLE {db}.f (line String) ENGINE = URL('http://127.0.0.1:1/', LineAsString)",
        "CREATE DICTIONARY {db}.d (line String) PRIMARY KEY line SOURCE(FILE(path '{canary}' format 'LineAsString')) LAYOUT(FLAT()) LIFETIME(0)",
        "INSERT INTO {db}.t FROM INFILE '{canary}' FORMAT LineAsString",
        "INSERT INTO {db}.t SELECT * FROM file('{canary}', 'LineAsString')",
        "SELECT * FROM executable('cat {canary}', 'LineAsString', 'line String')",
    };

    [Theory]
    [MemberData(nameof(ReadsAFile))]
    public async Task A_statement_that_would_read_a_file_is_refused_and_reads_nothing(string statement)
    {
        var db = await DatabaseWithTableAsync("outside_read");
        var sql = statement.Replace("{canary}", Canary, StringComparison.Ordinal).Replace("{db}", db, StringComparison.Ordinal);

        // The migrator, who may do the most, over POST (GET would be refused as read-only first).
        var answer = await Curl.RunAsync("-u", Basic(ClickHouseRole.Migrator), "--data-binary", sql, _clickHouse.Url + "/");

        Assert.NotEqual(200, answer.Status);
        Assert.Contains("DB::Exception", answer.Body);
        Assert.DoesNotContain(Secret, answer.Body);
        Assert.Equal("0\n", await _clickHouse.ExecuteAsync($"SELECT count() FROM {db}.t"));
        Assert.Equal("0\n", await _clickHouse.ExecuteAsync($"SELECT count() FROM system.tables WHERE database = '{db}' AND name != 't'"));
    }

    public static TheoryData<string> WritesAFile => new()
    {
        "INSERT INTO FUNCTION file('{written}', 'LineAsString') SELECT 'x'",
        "insert into function `file`('{written}', 'LineAsString') values ('x')",
        "INSERT INTO TABLE FUNCTION file('{written}', 'LineAsString') SELECT 'x'",
        "SELECT 'x' INTO OUTFILE '{written}'",
        "SELECT 'x' INTO OUTFILE '{written}' FORMAT TSV",
        "SELECT 'x' /* */ INTO /* */ OUTFILE '{written}'",
        "SELECT 1; SELECT 'x' INTO OUTFILE '{written}'",
    };

    [Theory]
    [MemberData(nameof(WritesAFile))]
    public async Task A_statement_that_would_write_a_file_is_refused_and_writes_nothing(string statement)
    {
        var sql = statement.Replace("{written}", Written, StringComparison.Ordinal);

        var answer = await Curl.RunAsync("-u", Basic(ClickHouseRole.Migrator), "--data-binary", sql, _clickHouse.Url + "/");

        Assert.NotEqual(200, answer.Status);
        Assert.Contains("DB::Exception", answer.Body);
        Assert.False(File.Exists(Written), $"{Written} was written by: {sql}");
    }

    public static TheoryData<string> ReachesAServer => new()
    {
        "SELECT * FROM url('http://127.0.0.1:{port}/', 'LineAsString')",
        "SELECT * FROM URL('http://127.0.0.1:{port}/', LineAsString, 'line String')",
        "SELECT * FROM s3('http://127.0.0.1:{port}/bucket/key', 'LineAsString')",
        "SELECT * FROM remote('127.0.0.1:{port}', system.one)",
        "SELECT * FROM remoteSecure('127.0.0.1:{port}', system.one)",
        "SELECT * FROM cluster('default', system.one)",
        "SELECT * FROM mysql('127.0.0.1:{port}', 'db', 't', 'u', 'p')",
        "SELECT * FROM postgresql('127.0.0.1:{port}', 'db', 't', 'u', 'p')",
        "SELECT * FROM hdfs('hdfs://127.0.0.1:{port}/x', 'LineAsString')",
        "SELECT * FROM jdbc('jdbc:mysql://127.0.0.1:{port}/db', 't')",
        "SELECT * FROM odbc('DSN=x', 'db', 't')",
        "SELECT * FROM icebergS3('http://127.0.0.1:{port}/bucket/')",
        "INSERT INTO FUNCTION url('http://127.0.0.1:{port}/', 'LineAsString') SELECT 'x'",
        "SYSTEM RELOAD DICTIONARIES",
        "SYSTEM SHUTDOWN",
        "SELECT 1 SETTINGS readonly = 0",
        "SELECT 1 SETTINGS max_threads = 1, `readonly` = 0",
        "SET readonly = 0",
        "KILL QUERY WHERE 1",
        "ATTACH TABLE outside (line String) ENGINE = File(LineAsString)",
        "GRANT ALL ON *.* TO default",
        "CREATE USER intruder IDENTIFIED BY 'x'",
        "CREATE FUNCTION f AS x -> x",
        "BACKUP DATABASE default TO File('x')",
    };

    [Theory]
    [MemberData(nameof(ReachesAServer))]
    public async Task A_statement_that_reaches_another_server_or_lifts_restrictions_is_refused_and_connects_nowhere(string statement)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sql = statement.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var answer = await Curl.RunAsync("-u", Basic(ClickHouseRole.Migrator), "--data-binary", sql, _clickHouse.Url + "/");

        Assert.NotEqual(200, answer.Status);
        Assert.Contains("DB::Exception", answer.Body);
        Assert.False(listener.Pending(), $"the engine connected to the canary port for: {sql}");
    }

    [Fact]
    public async Task A_setting_that_would_lift_a_restriction_is_refused_as_a_url_parameter_too()
    {
        var answer = await Curl.RunAsync("-u", Basic(ClickHouseRole.Migrator), "--data-binary", "SELECT 1", $"{_clickHouse.Url}/?allow_ddl=1");

        Assert.Equal(403, answer.Status);
        Assert.Contains("the setting allow_ddl cannot be changed", answer.Body);
    }

    [Fact]
    public async Task A_file_call_inside_inline_values_data_reads_nothing()
    {
        // VALUES rows may hold expressions that the engine evaluates: the statement check does not read the
        // data, so the engine's own grants must stop this one.
        var db = await DatabaseWithTableAsync("values_expr");

        var answer = await Curl.RunAsync("-u", Basic(ClickHouseRole.Migrator), "--data-binary",
            $"INSERT INTO {db}.t VALUES (file('{Canary}'))", _clickHouse.Url + "/");

        Assert.NotEqual(200, answer.Status);
        Assert.DoesNotContain(Secret, answer.Body);
        Assert.Equal("0\n", await _clickHouse.ExecuteAsync($"SELECT count() FROM {db}.t"));
    }

    [Theory]
    [InlineData("SELECT * FROM file('{canary}', 'LineAsString')", 497)]
    [InlineData("INSERT INTO FUNCTION file('{written}', 'LineAsString') SELECT 'x'", 497)]
    [InlineData("SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')", 497)]
    [InlineData("SELECT * FROM remote('127.0.0.1:1', system.one)", 497)]
    [InlineData("CREATE TEMPORARY TABLE f (line String) ENGINE = File(LineAsString, '{canary}')", 497)]
    [InlineData("SYSTEM DROP DNS CACHE", 497)]
    [InlineData("SET readonly = 1", 452)]
    public void The_engine_itself_refuses_what_reaches_outside_even_without_the_http_check(string statement, int code)
    {
        var engine = ClickHouseFixture.EmbeddedEngine;
        var sql = statement.Replace("{canary}", Canary, StringComparison.Ordinal).Replace("{written}", Written, StringComparison.Ordinal);

        var refused = Assert.Throws<ChdbQueryException>(() => engine.Query(sql));

        Assert.Equal(code, refused.Code);
        Assert.DoesNotContain(Secret, refused.Message);
        Assert.False(File.Exists(Written));
    }

    [Fact]
    public void The_engine_still_reads_the_insert_bodies_the_server_spools_itself()
    {
        var engine = ClickHouseFixture.EmbeddedEngine;
        var db = $"spool_{Guid.NewGuid():N}";
        engine.Query($"CREATE DATABASE {db}");
        engine.Query($"CREATE TABLE {db}.t (line String) ENGINE = MergeTree ORDER BY line");

        engine.Insert($"INSERT INTO {db}.t (line)", "LineAsString", "a\nb\n"u8);

        Assert.Equal("2\n", engine.Query($"SELECT count() FROM {db}.t").Text);
    }

    private string Basic(ClickHouseRole role) => $"{_clickHouse.User(role).User}:{_clickHouse.User(role).Password}";

    private async Task<string> DatabaseWithTableAsync(string prefix)
    {
        var db = _clickHouse.CreateUniqueDatabase(prefix);
        await _clickHouse.ExecuteAsync($"CREATE TABLE {db}.t (line String) ENGINE = MergeTree ORDER BY line");
        return db;
    }
}
