using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Compression;
using ClickHouse.Driver.Utility;
using Pipeline.ClickHouseSchema;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.ClickHouse;

/// <summary>The production path: ClickHouse.Driver over HTTP against the iot schema.</summary>
public sealed class ClickHouseDriverTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] s_columns = ["device_id", "metric", "ts", "value", "seq", "received_at", "site", "attributes"];

    private readonly ClickHouseFixture _clickHouse = ClickHouseFixture.Shared;
    private readonly string _database;
    private readonly ClickHouseClient _client;

    public ClickHouseDriverTests()
    {
        _database = _clickHouse.CreateUniqueDatabase("driver");
        _client = new ClickHouseClient(_clickHouse.ConnectionString(_database));
    }

    public async Task InitializeAsync()
    {
        using var migrator = new ClickHouseMigrator(_clickHouse.ConnectionString(_database), _database);
        await migrator.MigrateAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Hundred_thousand_rows_inserted_in_binary_read_back_with_a_parameterised_query()
    {
        var start = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        var rows = Enumerable.Range(0, 100_000).Select(i => Row($"dev-{i % 100:000}", "temperature", start.AddMilliseconds(i), i * 0.25, (ulong)i));

        var written = await _client.InsertBinaryAsync("telemetry", s_columns, rows);

        Assert.Equal(100_000, written);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("metric", "temperature");
        parameters.AddParameter("device", "dev-007");
        using var reader = await _client.ExecuteReaderAsync(
            "SELECT count(), sum(value), countIf(device_id = {device:String}) FROM telemetry WHERE metric = {metric:String}", parameters);
        Assert.True(reader.Read());
        Assert.Equal(100_000UL, reader.GetFieldValue<ulong>(0));
        Assert.Equal(Enumerable.Range(0, 100_000).Sum(i => i * 0.25), reader.GetDouble(1));
        Assert.Equal(1_000UL, reader.GetFieldValue<ulong>(2));
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("lz4")]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("none")]
    public async Task Inserts_land_whole_with_every_body_compression_the_driver_offers(string compression)
    {
        IClickHouseCompressor? compressor = compression switch
        {
            "zstd" => ZstdCompressor.Default,
            "lz4" => Lz4Compressor.Default,
            "gzip" => GZipCompressor.Default,
            "br" => BrotliCompressor.Default,
            _ => null,
        };
        var device = "compression-" + compression;
        var ts = new DateTime(2026, 11, 3, 0, 0, 0, DateTimeKind.Utc);
        var rows = Enumerable.Range(0, 5_000).Select(i => Row(device, "voltage", ts.AddMilliseconds(i), 1.5, (ulong)i));

        await _client.InsertBinaryAsync("telemetry", s_columns, rows, new InsertOptions { Compressor = compressor });

        Assert.Equal(5_000UL, await CountAsync(device));
    }

    [Fact]
    public async Task String_parameters_with_quotes_and_backslashes_arrive_unchanged()
    {
        const string awkward = "it's \"quoted\" \\ back\\slash\ttab 'again'";
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("text", awkward);

        Assert.Equal(awkward, await _client.ExecuteScalarAsync("SELECT {text:String}", parameters));
    }

    [Fact]
    public async Task Parameters_sent_as_form_data_without_compression_work_too()
    {
        using var client = new ClickHouseClient(_clickHouse.ConnectionString(_database) + ";UseFormDataParameters=true;Compression=false");
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("text", "form 'data'");
        parameters.AddParameter("n", 41);

        using var reader = await client.ExecuteReaderAsync("SELECT {text:String}, {n:Int32} + 1", parameters);

        Assert.True(reader.Read());
        Assert.Equal("form 'data'", reader.GetString(0));
        Assert.Equal(42L, Convert.ToInt64(reader.GetValue(1)));
    }

    [Fact]
    public async Task The_same_batch_sent_twice_with_one_deduplication_token_is_stored_once()
    {
        var ts = new DateTime(2026, 11, 2, 0, 0, 0, DateTimeKind.Utc);
        // Without seq (NULL), as for devices that send none.
        var batch = Enumerable.Range(0, 50).Select(i => Row("dedup-device", "humidity", ts.AddSeconds(i), i, seq: null)).ToList();
        InsertOptions WithToken(string token) => new() { CustomSettings = new Dictionary<string, object> { ["insert_deduplication_token"] = token } };

        await _client.InsertBinaryAsync("telemetry", s_columns, batch, WithToken("batch-1"));
        await _client.InsertBinaryAsync("telemetry", s_columns, batch, WithToken("batch-1"));
        Assert.Equal(50UL, await CountAsync("dedup-device"));
        Assert.Equal("50\n", await _clickHouse.ExecuteAsync("SELECT countIf(seq IS NULL) FROM telemetry WHERE device_id = 'dedup-device'", _database));

        await _client.InsertBinaryAsync("telemetry", s_columns, batch, WithToken("batch-2"));
        Assert.Equal(100UL, await CountAsync("dedup-device"));
    }

    [Fact]
    public async Task Bad_queries_raise_server_exceptions_with_clickhouse_error_codes()
    {
        var unknownTable = await Assert.ThrowsAsync<ClickHouseServerException>(() => _client.ExecuteScalarAsync("SELECT count() FROM no_such_table"));
        Assert.Equal(60, unknownTable.ErrorCode);
        Assert.Contains("UNKNOWN_TABLE", unknownTable.Message);

        var syntax = await Assert.ThrowsAsync<ClickHouseServerException>(() => _client.ExecuteScalarAsync("SELEC 1"));
        Assert.Equal(62, syntax.ErrorCode);

        var badInsert = await Assert.ThrowsAsync<ClickHouseServerException>(() =>
            _client.InsertBinaryAsync("no_such_table", ["x"], [new object[] { 1 }]));
        Assert.Equal(60, badInsert.ErrorCode);
    }

    private async Task<ulong> CountAsync(string device)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("device", device);
        return (ulong)(await _client.ExecuteScalarAsync("SELECT count() FROM telemetry WHERE device_id = {device:String}", parameters))!;
    }

    private static object[] Row(string device, string metric, DateTime ts, double value, ulong? seq) =>
        [device, metric, ts, value, seq!, ts.AddMilliseconds(5), "site-a", new Dictionary<string, string> { ["model"] = "m1" }];
}
