using System.Net.Sockets;
using ClickHouse.Driver;
using ClickHouse.Driver.Copy;
using Pipeline.SinkWriter.Storage;

namespace Pipeline.SinkWriter.UnitTests;

public class InsertFailureTests
{
    private static ClickHouseServerException Server(string text) => ClickHouseServerException.FromServerResponse(text, "INSERT ...");

    [Theory]
    [InlineData("Code: 252. DB::Exception: Too many parts (300). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)")]
    [InlineData("Code: 159. DB::Exception: Timeout exceeded: elapsed 60 seconds. (TIMEOUT_EXCEEDED)")]
    [InlineData("Code: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED)")]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    public void Overload_and_outages_are_transient(string response) =>
        Assert.Equal(InsertFailureKind.Transient, InsertFailure.Classify(Server(response)));

    [Fact]
    public void Connection_refused_is_transient() =>
        Assert.Equal(InsertFailureKind.Transient, InsertFailure.Classify(new HttpRequestException("Connection refused", new SocketException(111))));

    [Fact]
    public void A_timeout_is_transient() =>
        Assert.Equal(InsertFailureKind.Transient, InsertFailure.Classify(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout")));

    [Theory]
    [InlineData("Code: 60. DB::Exception: Table iot.telemetry does not exist. (UNKNOWN_TABLE)")]
    [InlineData("Code: 516. DB::Exception: default: Authentication failed. (AUTHENTICATION_FAILED)")]
    public void Setup_problems_are_retried_not_blamed_on_rows(string response) =>
        Assert.Equal(InsertFailureKind.Environment, InsertFailure.Classify(Server(response)));

    [Theory]
    [InlineData("Code: 469. DB::Exception: Constraint `finite` for table iot.telemetry is violated at row 3. (VIOLATED_CONSTRAINT)")]
    [InlineData("Code: 27. DB::Exception: Cannot parse input. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)")]
    public void Refused_data_is_split_to_find_the_row(string response) =>
        Assert.Equal(InsertFailureKind.Refused, InsertFailure.Classify(Server(response)));

    [Fact]
    public void A_value_the_client_cannot_encode_is_refused_data() =>
        Assert.Equal(InsertFailureKind.Refused, InsertFailure.Classify(new ClickHouseBulkCopySerializationException(3, ["x"], new ArgumentException("String requires string"))));

    [Fact]
    public void The_description_is_ClickHouse_s_first_line()
    {
        var text = InsertFailure.Describe(Server("Code: 469. DB::Exception: Constraint violated. (VIOLATED_CONSTRAINT)\nStack trace:\n0. foo"));
        Assert.Equal("Code: 469. DB::Exception: Constraint violated. (VIOLATED_CONSTRAINT)", text);
    }
}
