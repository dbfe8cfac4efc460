using ClickHouse.Driver;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.ClickHouse;

/// <summary>
/// Who may do what on the embedded endpoint, checked with curl the way ClickHouse's HTTP documentation
/// authenticates (user/password parameters, X-ClickHouse-User/Key, basic auth) and with ClickHouse.Driver.
/// </summary>
public sealed class ClickHouseHttpAuthenticationTests
{
    private readonly ClickHouseFixture _clickHouse = ClickHouseFixture.Shared;

    private string Url => _clickHouse.Url;

    private string Basic(ClickHouseRole role) => $"{_clickHouse.User(role).User}:{_clickHouse.User(role).Password}";

    [Fact]
    public async Task Each_documented_way_of_passing_credentials_is_accepted()
    {
        var analyst = _clickHouse.User(ClickHouseRole.Analyst);
        var basic = await Curl.RunAsync("-u", Basic(ClickHouseRole.Analyst), $"{Url}/?query=SELECT%201");
        var parameters = await Curl.RunAsync($"{Url}/?user={Uri.EscapeDataString(analyst.User)}&password={Uri.EscapeDataString(analyst.Password)}&query=SELECT%202");
        var headers = await Curl.RunAsync("-H", $"X-ClickHouse-User: {analyst.User}", "-H", $"X-ClickHouse-Key: {analyst.Password}", $"{Url}/?query=SELECT%203");

        Assert.Equal(new Curl.Answer(200, "1\n"), basic);
        Assert.Equal(new Curl.Answer(200, "2\n"), parameters);
        Assert.Equal(new Curl.Answer(200, "3\n"), headers);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("wrong password")]
    [InlineData("unknown user")]
    [InlineData("empty password")]
    public async Task A_query_without_valid_credentials_is_refused_as_clickhouse_refuses_it(string how)
    {
        var analyst = _clickHouse.User(ClickHouseRole.Analyst);
        string[] credentials = how switch
        {
            "none" => [],
            "wrong password" => ["-u", $"{analyst.User}:{analyst.Password}x"],
            "unknown user" => ["-u", $"nobody:{analyst.Password}"],
            _ => ["-u", $"{analyst.User}:"],
        };
        var expectedUser = how switch { "none" => "default", "unknown user" => "nobody", _ => analyst.User };

        var answer = await Curl.RunAsync([.. credentials, $"{Url}/?query=SELECT%201"]);

        Assert.Equal(403, answer.Status);
        Assert.StartsWith($"Code: 516. DB::Exception: {expectedUser}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)", answer.Body);
        Assert.DoesNotContain(analyst.Password, answer.Body);
    }

    [Fact]
    public async Task Basic_auth_together_with_credentials_in_parameters_is_refused()
    {
        var answer = await Curl.RunAsync("-u", Basic(ClickHouseRole.Analyst), $"{Url}/?user=sink&query=SELECT%201");

        Assert.Equal(403, answer.Status);
        Assert.Contains("Code: 516. DB::Exception: Invalid authentication: it is not allowed to use Authorization HTTP header and authentication via parameters simultaneously", answer.Body);
    }

    [Theory]
    [InlineData("INSERT INTO {db}.t VALUES (1)")]
    [InlineData("CREATE TABLE {db}.u (x UInt8) ENGINE = MergeTree ORDER BY x")]
    [InlineData("DROP TABLE {db}.t")]
    [InlineData("ALTER TABLE {db}.t DELETE WHERE 1")]
    [InlineData("TRUNCATE TABLE {db}.t")]
    [InlineData("OPTIMIZE TABLE {db}.t FINAL")]
    public async Task The_analyst_is_read_only(string statement)
    {
        var db = await TableWithOneRowAsync("analyst_ro");

        var answer = await Curl.RunAsync("-u", Basic(ClickHouseRole.Analyst), "--data-binary", statement.Replace("{db}", db, StringComparison.Ordinal), Url + "/");

        Assert.Equal(500, answer.Status);
        Assert.StartsWith("Code: 164. DB::Exception: analyst: Cannot execute query in readonly mode. (READONLY)", answer.Body);
        Assert.Equal("1\t1\n", await _clickHouse.ExecuteAsync($"SELECT count(), sum(x) FROM {db}.t"));
        Assert.Equal("1\n", await _clickHouse.ExecuteAsync($"EXISTS TABLE {db}.t"));
    }

    [Fact]
    public async Task The_analyst_reads_with_select_show_describe_exists_and_with()
    {
        var db = await TableWithOneRowAsync("analyst_read");
        foreach (var (sql, expected) in new[]
        {
            ($"SELECT sum(x) FROM {db}.t", "1\n"),
            ($"WITH 2 AS k SELECT sum(x) * k FROM {db}.t", "2\n"),
            ($"SHOW TABLES FROM {db}", "t\n"),
            ($"DESCRIBE TABLE {db}.t FORMAT TSVRaw", "x\tUInt8\t\t\t\t\t\n"),
            ($"EXISTS TABLE {db}.t", "1\n"),
        })
            Assert.Equal(new Curl.Answer(200, expected), await Curl.RunAsync("-u", Basic(ClickHouseRole.Analyst), "--data-binary", sql, Url + "/"));
    }

    [Fact]
    public async Task The_sink_inserts_and_selects_but_cannot_change_the_schema()
    {
        var db = await TableWithOneRowAsync("sink_role");
        var sink = Basic(ClickHouseRole.Sink);

        var insert = await Curl.RunWithInputAsync("2\n3\n", "-u", sink, "--data-binary", "@-", $"{Url}/?query=INSERT%20INTO%20{db}.t%20FORMAT%20TSV");
        var select = await Curl.RunAsync("-u", sink, "--data-binary", $"SELECT sum(x) FROM {db}.t", Url + "/");
        var drop = await Curl.RunAsync("-u", sink, "--data-binary", $"DROP TABLE {db}.t", Url + "/");

        Assert.Equal(200, insert.Status);
        Assert.Equal(new Curl.Answer(200, "6\n"), select);
        Assert.Equal(403, drop.Status);
        Assert.StartsWith("Code: 497. DB::Exception: sink: Not enough privileges", drop.Body);
        Assert.Equal("1\n", await _clickHouse.ExecuteAsync($"EXISTS TABLE {db}.t"));
    }

    [Fact]
    public async Task The_migrator_changes_the_schema_and_get_requests_are_read_only_for_everyone()
    {
        var db = await TableWithOneRowAsync("migrator_role");
        var migrator = Basic(ClickHouseRole.Migrator);

        var create = await Curl.RunAsync("-u", migrator, "--data-binary", $"CREATE TABLE {db}.u (x UInt8) ENGINE = MergeTree ORDER BY x", Url + "/");
        var createByGet = await Curl.RunAsync("-u", migrator, $"{Url}/?query=" + Uri.EscapeDataString($"CREATE TABLE {db}.v (x UInt8) ENGINE = MergeTree ORDER BY x"));

        Assert.Equal(200, create.Status);
        Assert.Equal(500, createByGet.Status);
        Assert.Contains("Code: 164. DB::Exception: migrator: Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly.", createByGet.Body);
        Assert.Equal("1\t0\n", await _clickHouse.ExecuteAsync($"SELECT (SELECT count() FROM system.tables WHERE database = '{db}' AND name = 'u'), (SELECT count() FROM system.tables WHERE database = '{db}' AND name = 'v')"));
    }

    [Fact]
    public async Task ClickHouse_Driver_connects_with_credentials_and_gets_code_516_with_a_wrong_password()
    {
        var db = await TableWithOneRowAsync("driver_auth");
        using var analyst = new ClickHouseClient(_clickHouse.ConnectionString(db, ClickHouseRole.Analyst));
        var user = _clickHouse.User(ClickHouseRole.Analyst);
        using var wrong = new ClickHouseClient($"Host=127.0.0.1;Port={new Uri(Url).Port};Database={db};Username={user.User};Password=not-{user.Password}");

        Assert.Equal(1UL, Convert.ToUInt64(await analyst.ExecuteScalarAsync("SELECT count() FROM t")));
        var readOnly = await Assert.ThrowsAsync<ClickHouseServerException>(() => analyst.ExecuteNonQueryAsync("INSERT INTO t VALUES (5)"));
        var refused = await Assert.ThrowsAsync<ClickHouseServerException>(() => wrong.ExecuteScalarAsync("SELECT 1"));

        Assert.Equal(164, readOnly.ErrorCode);
        Assert.Equal(516, refused.ErrorCode);
        Assert.DoesNotContain(user.Password, refused.Message);
    }

    private async Task<string> TableWithOneRowAsync(string prefix)
    {
        var db = _clickHouse.CreateUniqueDatabase(prefix);
        await _clickHouse.ExecuteAsync($"CREATE TABLE {db}.t (x UInt8) ENGINE = MergeTree ORDER BY x");
        await _clickHouse.ExecuteAsync($"INSERT INTO {db}.t VALUES (1)");
        return db;
    }
}
