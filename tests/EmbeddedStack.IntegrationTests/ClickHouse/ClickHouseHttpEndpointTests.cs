using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ClickHouse.Driver;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.EmbeddedStack.Credentials;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.ClickHouse;

/// <summary>The HTTP interface as clients other than ClickHouse.Driver see it: curl, raw HTTP, stop/start.</summary>
public sealed class ClickHouseHttpEndpointTests
{
    private readonly ClickHouseFixture _clickHouse = ClickHouseFixture.Shared;

    [Fact]
    public async Task Curl_gets_the_answer_of_a_query_in_the_url()
    {
        var analyst = _clickHouse.User(ClickHouseRole.Analyst);
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-sS", "--max-time", "30", "-u", $"{analyst.User}:{analyst.Password}", $"{_clickHouse.Url}/?query=SELECT%201"])
            start.ArgumentList.Add(arg);
        using var curl = Process.Start(start)!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();

        Assert.Equal(0, curl.ExitCode);
        Assert.Equal("1\n", output);
    }

    [Fact]
    public async Task Ping_answers_ok_and_errors_carry_code_header_and_clickhouse_text()
    {
        using (var anonymous = new HttpClient())
            Assert.Equal("Ok.\n", await anonymous.GetStringAsync($"{_clickHouse.Url}/ping"));
        using var http = _clickHouse.HttpClient(ClickHouseRole.Analyst);

        using var response = await http.GetAsync($"{_clickHouse.Url}/?query=" + Uri.EscapeDataString("SELECT * FROM system.no_such_table_xyz"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("60", response.Headers.GetValues("X-ClickHouse-Exception-Code").Single());
        Assert.StartsWith("Code: 60. DB::Exception: ", body);
        Assert.Contains("(UNKNOWN_TABLE)", body);
    }

    [Fact]
    public async Task A_gzip_body_with_rows_after_the_insert_statement_lands_whole()
    {
        var db = _clickHouse.CreateUniqueDatabase("http_gzip");
        await _clickHouse.ExecuteAsync("CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id", db);
        var text = new StringBuilder("INSERT INTO t (id, s) FORMAT TabSeparated\n");
        for (var i = 0; i < 20_000; i++)
            text.Append(i).Append('\t').Append("it's \"row\" ").Append(i).Append('\n');
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");

        using var http = _clickHouse.HttpClient(ClickHouseRole.Sink);
        using var response = await http.PostAsync($"{_clickHouse.Url}/?database={db}", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("20000\t199990000\n", await _clickHouse.ExecuteAsync("SELECT count(), sum(id) FROM t", db));
        Assert.Equal("it's \"row\" 7\n", await _clickHouse.ExecuteAsync("SELECT s FROM t WHERE id = 7 FORMAT TSVRaw", db));
    }

    [Fact]
    public async Task A_stopped_endpoint_refuses_connections_and_serves_again_on_the_same_port()
    {
        // Its own endpoint on the shared engine, so other tests keep theirs while this one is down.
        var credentials = _clickHouse.Credentials ?? StackCredentials.Generate();
        await using var endpoint = _clickHouse.IsEmbedded
            ? await _clickHouse.StartPrivateEndpointAsync()
            : await ClickHouseHttpEndpoint.StartAsync(ClickHouseFixture.EmbeddedEngine, credentials.ClickHouseUsers(), "http://127.0.0.1:0");
        var port = endpoint.Port;
        var analyst = credentials.ClickHouse.Analyst;
        using var client = new ClickHouseClient($"Host=127.0.0.1;Port={port};Database=default;Username={analyst.User};Password={analyst.Password}");
        Assert.Equal((byte)1, await client.ExecuteScalarAsync("SELECT toUInt8(1)"));

        await endpoint.StopAsync();

        Assert.False(endpoint.IsRunning);
        var refused = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port);
        });
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.ExecuteScalarAsync("SELECT 1"));

        await endpoint.StartAsync();

        Assert.Equal(port, endpoint.Port);
        var answer = await Eventually.HoldsAsync(
            async () => { try { return await client.ExecuteScalarAsync("SELECT toUInt8(2)"); } catch (HttpRequestException) { return null; } },
            value => Equals(value, (byte)2), TimeSpan.FromSeconds(30), "the restarted endpoint answers the driver");
        Assert.Equal((byte)2, answer);
    }
}
