namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// The HTTP status ClickHouse's HTTP interface answers for an exception code, transcribed from
/// its exceptionCodeToHTTPStatus by error name; the names are mapped to codes with the engine's
/// own errorCodeToName (chDB has no system.error_codes), so the numbers match the engine in use.
/// </summary>
internal sealed class ErrorStatus
{
    private static readonly Dictionary<string, int> s_statusByName = new(StringComparer.Ordinal)
    {
        ["REQUIRED_PASSWORD"] = 401,
        ["UNKNOWN_USER"] = 403, ["WRONG_PASSWORD"] = 403, ["AUTHENTICATION_FAILED"] = 403,
        ["SET_NON_GRANTED_ROLE"] = 403, ["ACCESS_DENIED"] = 403,
        ["BAD_ARGUMENTS"] = 400, ["CANNOT_COMPILE_REGEXP"] = 400, ["CANNOT_PARSE_TEXT"] = 400,
        ["CANNOT_PARSE_ESCAPE_SEQUENCE"] = 400, ["CANNOT_PARSE_QUOTED_STRING"] = 400, ["CANNOT_PARSE_DATE"] = 400,
        ["CANNOT_PARSE_DATETIME"] = 400, ["CANNOT_PARSE_NUMBER"] = 400, ["CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING"] = 400,
        ["CANNOT_PARSE_IPV4"] = 400, ["CANNOT_PARSE_IPV6"] = 400, ["CANNOT_PARSE_INPUT_ASSERTION_FAILED"] = 400,
        ["CANNOT_PARSE_UUID"] = 400, ["DUPLICATE_COLUMN"] = 400, ["ILLEGAL_COLUMN"] = 400,
        ["UNKNOWN_ELEMENT_IN_AST"] = 400, ["UNKNOWN_TYPE_OF_AST_NODE"] = 400, ["THERE_IS_NO_COLUMN"] = 400,
        ["TOO_DEEP_AST"] = 400, ["TOO_BIG_AST"] = 400, ["UNEXPECTED_AST_STRUCTURE"] = 400, ["SYNTAX_ERROR"] = 400,
        ["INCORRECT_DATA"] = 400, ["TYPE_MISMATCH"] = 400, ["VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE"] = 400,
        ["UNKNOWN_TABLE"] = 404, ["UNKNOWN_FUNCTION"] = 404, ["UNKNOWN_IDENTIFIER"] = 404, ["UNKNOWN_TYPE"] = 404,
        ["UNKNOWN_STORAGE"] = 404, ["UNKNOWN_DATABASE"] = 404, ["UNKNOWN_SETTING"] = 404,
        ["UNKNOWN_DIRECTION_OF_SORTING"] = 404, ["UNKNOWN_AGGREGATE_FUNCTION"] = 404, ["UNKNOWN_FORMAT"] = 404,
        ["UNKNOWN_DATABASE_ENGINE"] = 404, ["UNKNOWN_TYPE_OF_QUERY"] = 404, ["UNKNOWN_ROLE"] = 404,
        ["QUERY_IS_TOO_LARGE"] = 413,
        ["NOT_IMPLEMENTED"] = 501,
        ["SOCKET_TIMEOUT"] = 503, ["CANNOT_OPEN_FILE"] = 503, ["CANNOT_SCHEDULE_TASK"] = 503,
        ["HTTP_LENGTH_REQUIRED"] = 411,
        ["TIMEOUT_EXCEEDED"] = 408,
        ["UNSUPPORTED_MEDIA_TYPE"] = 415,
    };

    private readonly Dictionary<int, int> _statusByCode;

    private ErrorStatus(Dictionary<int, int> statusByCode) => _statusByCode = statusByCode;

    public static ErrorStatus Load(ChdbEngine engine)
    {
        var byCode = new Dictionary<int, int>();
        foreach (var line in engine.Query("SELECT number, errorCodeToName(number) AS name FROM numbers(2000) WHERE name != ''", "TabSeparated").Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length == 2 && int.TryParse(fields[0], out var code) && s_statusByName.TryGetValue(fields[1], out var status))
                byCode[code] = status;
        }
        return new ErrorStatus(byCode);
    }

    public int For(int code) => _statusByCode.GetValueOrDefault(code, 500);
}
