using System.IO.Compression;
using System.Text;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.ClickHouse;

/// <summary>
/// The forms of ClickHouse's HTTP interface documentation, sent with curl as the documentation sends them
/// (with credentials): each must get ClickHouse's answer from the embedded endpoint.
/// </summary>
public sealed class ClickHouseHttpUsageTests : IDisposable
{
    private readonly ClickHouseFixture _clickHouse = ClickHouseFixture.Shared;
    private readonly string _dir = Directory.CreateTempSubdirectory("ch-http-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Url => _clickHouse.Url;

    private string Analyst => $"{_clickHouse.User(ClickHouseRole.Analyst).User}:{_clickHouse.User(ClickHouseRole.Analyst).Password}";

    [Fact]
    public async Task The_query_in_a_post_body_works_with_curls_default_form_content_type_and_as_binary()
    {
        // curl -d sends Content-Type: application/x-www-form-urlencoded; ClickHouse still reads the body as the query.
        var form = await Curl.RunAsync("-u", Analyst, "-d", "SELECT 1 + 1", Url + "/");
        var piped = await Curl.RunWithInputAsync("SELECT 'piped'\n", "-u", Analyst, "--data-binary", "@-", Url + "/");
        var plain = await Curl.RunAsync("-u", Analyst, "-H", "Content-Type: text/plain", "--data-binary", "SELECT 3", Url + "/");

        Assert.Equal(new Curl.Answer(200, "2\n"), form);
        Assert.Equal(new Curl.Answer(200, "piped\n"), piped);
        Assert.Equal(new Curl.Answer(200, "3\n"), plain);
    }

    [Fact]
    public async Task The_start_of_the_query_in_the_url_and_the_rest_in_the_body_make_one_statement()
    {
        var answer = await Curl.RunAsync("-u", Analyst, "--data-binary", "number FROM numbers(3)", $"{Url}/?query=SELECT");

        Assert.Equal(new Curl.Answer(200, "0\n1\n2\n"), answer);
    }

    [Fact]
    public async Task Output_format_comes_from_default_format_the_format_header_or_a_format_clause()
    {
        var parameter = await Curl.RunAsync("-u", Analyst, "--data-binary", "SELECT 1 AS a", $"{Url}/?default_format=JSONEachRow");
        var header = await Curl.RunAsync("-u", Analyst, "-H", "X-ClickHouse-Format: CSVWithNames", "--data-binary", "SELECT 1 AS a", Url + "/");
        var clause = await Curl.RunAsync("-u", Analyst, "--data-binary", "SELECT 1 AS a FORMAT JSONCompactEachRow", $"{Url}/?default_format=CSV");

        Assert.Equal(new Curl.Answer(200, "{\"a\":1}\n"), parameter);
        Assert.Equal(new Curl.Answer(200, "\"a\"\n1\n"), header);
        Assert.Equal(new Curl.Answer(200, "[1]\n"), clause);
    }

    [Fact]
    public async Task The_database_comes_from_the_parameter_or_the_database_header()
    {
        var db = _clickHouse.CreateUniqueDatabase("http_db");

        var parameter = await Curl.RunAsync("-u", Analyst, "--data-binary", "SELECT currentDatabase()", $"{Url}/?database={db}");
        var header = await Curl.RunAsync("-u", Analyst, "-H", $"X-ClickHouse-Database: {db}", "--data-binary", "SELECT currentDatabase()", Url + "/");

        Assert.Equal(new Curl.Answer(200, db + "\n"), parameter);
        Assert.Equal(new Curl.Answer(200, db + "\n"), header);
    }

    [Fact]
    public async Task Settings_and_query_parameters_come_from_url_parameters()
    {
        var setting = await Curl.RunAsync("-u", Analyst, "--data-binary", "SELECT getSetting('max_threads')", $"{Url}/?max_threads=3");
        var parameter = await Curl.RunAsync("-u", Analyst, "--data-binary", "SELECT {n:UInt8} + 1, {s:String}", $"{Url}/?param_n=41&param_s=it%27s");
        var afterwards = await Curl.RunAsync("-u", Analyst, "--data-binary", "SELECT getSetting('max_threads') = 3", Url + "/");

        Assert.Equal(new Curl.Answer(200, "3\n"), setting);
        Assert.Equal(new Curl.Answer(200, "42\tit\\'s\n"), parameter);
        Assert.Equal(new Curl.Answer(200, "0\n"), afterwards); // a request's setting does not outlive it
    }

    [Fact]
    public async Task A_gzip_request_body_is_read_and_a_gzip_response_is_sent_when_asked_for()
    {
        var gz = Path.Combine(_dir, "query.gz");
        await using (var file = File.Create(gz))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            await gzip.WriteAsync(Encoding.UTF8.GetBytes("SELECT 'from gzip'"));
        var request = await Curl.RunAsync("-u", Analyst, "-H", "Content-Encoding: gzip", "--data-binary", $"@{gz}", Url + "/");

        var headers = Path.Combine(_dir, "headers.txt");
        var response = await Curl.RunAsync("-u", Analyst, "--compressed", "-D", headers, "--data-binary", "SELECT number FROM numbers(1000) FORMAT TSV",
            $"{Url}/?enable_http_compression=1");

        Assert.Equal(new Curl.Answer(200, "from gzip\n"), request);
        Assert.Equal(200, response.Status);
        Assert.Contains("content-encoding: gzip", File.ReadAllText(headers), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(string.Concat(Enumerable.Range(0, 1000).Select(i => $"{i}\n")), response.Body);
    }

    [Fact]
    public async Task Rows_sent_after_an_insert_statement_land_and_errors_carry_clickhouses_code_and_status()
    {
        var db = _clickHouse.CreateUniqueDatabase("http_insert");
        await _clickHouse.ExecuteAsync($"CREATE TABLE {db}.t (id UInt32, s String) ENGINE = MergeTree ORDER BY id");
        var sink = $"{_clickHouse.User(ClickHouseRole.Sink).User}:{_clickHouse.User(ClickHouseRole.Sink).Password}";

        var tsv = await Curl.RunWithInputAsync("1\ta\n2\tb\n", "-u", sink, "--data-binary", "@-", $"{Url}/?query=INSERT%20INTO%20{db}.t%20FORMAT%20TSV");
        var values = await Curl.RunAsync("-u", sink, "--data-binary", $"INSERT INTO {db}.t VALUES (3, 'c')", Url + "/");
        var missing = await Curl.RunAsync("-u", Analyst, "--data-binary", $"SELECT * FROM {db}.no_such_table", Url + "/");

        Assert.Equal(200, tsv.Status);
        Assert.Equal(200, values.Status);
        Assert.Equal("3\tabc\n", await _clickHouse.ExecuteAsync($"SELECT count(), arrayStringConcat(groupArray(s)) FROM (SELECT s FROM {db}.t ORDER BY id)"));
        Assert.Equal(404, missing.Status);
        Assert.StartsWith("Code: 60. DB::Exception:", missing.Body);
    }
}
