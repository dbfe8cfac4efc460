using Microsoft.AspNetCore.Http;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// The parts of an HTTP request ClickHouse's HTTP interface reads besides the body: the query
/// text in `query=`, the default database and format, `param_*` values and every other URL
/// parameter as a query-level setting.
/// </summary>
internal sealed class ClickHouseRequest
{
    // URL parameters that steer the HTTP interface itself (or sessions and authentication, which
    // the embedded server does not have); ClickHouse does not treat these as settings either.
    private static readonly HashSet<string> s_notSettings = new(StringComparer.Ordinal)
    {
        "query", "database", "default_format", "query_id", "user", "password", "quota_key",
        "session_id", "session_timeout", "session_check", "role", "compress", "decompress",
        "buffer_size", "wait_end_of_query", "stacktrace", "enable_http_compression",
        "http_zlib_compression_level", "http_native_compression_disable_checksumming_on_decompress",
        "client_protocol_version", "add_http_cors_header", "send_progress_in_http_headers",
        "http_headers_progress_interval_ms", "cancel_http_readonly_queries_on_client_close",
        // `readonly` would stop the engine from undoing the request's settings afterwards on the
        // shared connection; the embedded server does not enforce it.
        "readonly",
    };

    public string QueryText { get; private init; } = "";
    public string? Database { get; private init; }
    public string DefaultFormat { get; private init; } = "TabSeparated";
    public string QueryId { get; private init; } = "";
    public bool CompressResponse { get; private init; }
    public List<KeyValuePair<string, string>> Settings { get; } = [];
    public List<KeyValuePair<string, string>> Parameters { get; } = [];

    /// <summary>Reads the URL parameters and headers, plus the form fields of a multipart/form-data body.</summary>
    public static ClickHouseRequest From(HttpRequest http, IFormCollection? form)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in http.Query)
            values[key] = value.ToString();
        if (form is not null)
            foreach (var (key, value) in form)
                values[key] = value.ToString();

        var headers = http.Headers;
        var request = new ClickHouseRequest
        {
            QueryText = values.GetValueOrDefault("query", ""),
            Database = NonEmpty(values.GetValueOrDefault("database")) ?? NonEmpty(headers["X-ClickHouse-Database"].ToString()),
            DefaultFormat = NonEmpty(values.GetValueOrDefault("default_format"))
                ?? NonEmpty(headers["X-ClickHouse-Format"].ToString()) ?? "TabSeparated",
            QueryId = NonEmpty(values.GetValueOrDefault("query_id")) ?? NonEmpty(headers["X-ClickHouse-Query-Id"].ToString()) ?? Guid.NewGuid().ToString(),
            CompressResponse = IsTrue(values.GetValueOrDefault("enable_http_compression")),
        };
        foreach (var (key, value) in values)
        {
            if (key.StartsWith("param_", StringComparison.Ordinal))
                request.Parameters.Add(new(key["param_".Length..], value));
            else if (!s_notSettings.Contains(key) && !key.StartsWith("http_", StringComparison.Ordinal))
                request.Settings.Add(new(key, value));
        }
        return request;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static bool IsTrue(string? value) =>
        value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));
}
