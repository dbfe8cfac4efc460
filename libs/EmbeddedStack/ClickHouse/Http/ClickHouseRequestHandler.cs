using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// Answers one request the way ClickHouse's HTTP interface does: GET /ping without credentials,
/// and queries on / with the statement in `query=` and/or the body, from an authenticated user
/// (RequestCredentials, ClickHouseUsers) whose statement passes StatementPolicy.
/// </summary>
internal sealed class ClickHouseRequestHandler(ChdbEngine engine, EngineExecutor executor, ErrorStatus statuses, ClickHouseUsers users, ILogger logger)
{
    private static readonly byte[] s_ok = "Ok.\n"u8.ToArray();
    private readonly string _displayName = Environment.MachineName;

    public async Task HandleAsync(HttpContext context)
    {
        var http = context.Request;
        var path = http.Path.Value is null or "" ? "/" : http.Path.Value;
        if (path == "/ping" || (path == "/" && HttpMethods.IsGet(http.Method) && !http.Query.ContainsKey("query")))
        {
            context.Response.ContentType = "text/html; charset=UTF-8";
            await ResponseWriter.WriteAsync(context.Response, s_ok, null, context.RequestAborted);
            return;
        }
        if (path != "/")
        {
            await WriteErrorAsync(context, 404, 0, $"There is no handle {path}\n\nUse / or /ping for health checks.\n");
            return;
        }

        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("ClickHouse HTTP {Method} {Path} params [{Params}] Content-Encoding {Encoding} Accept-Encoding {Accept}",
                http.Method, path, string.Join(", ", http.Query.Keys.Where(k => k != "password")), http.Headers.ContentEncoding.ToString(), http.Headers.AcceptEncoding.ToString());
        context.Response.Headers["X-ClickHouse-Server-Display-Name"] = _displayName;
        context.Response.Headers["X-ClickHouse-Timezone"] = engine.Timezone;
        try
        {
            // Before the body is read, as ClickHouse does: an anonymous client gets nothing spooled.
            var credentials = RequestCredentials.Read(http);
            var user = users.Authenticate(credentials.User, credentials.Password) ?? throw credentials.Refusal();
            await RunQueryAsync(context, user);
        }
        catch (ChdbQueryException e) when (!context.Response.HasStarted)
        {
            logger.LogDebug("ClickHouse HTTP query failed: {Error}", e.Message);
            await WriteErrorAsync(context, statuses.For(e.Code), e.Code, $"{e.Message} (version {engine.Version} (chDB))\n");
        }
        catch (InvalidDataException e) when (!context.Response.HasStarted)
        {
            // A body that does not decompress per its Content-Encoding.
            await WriteErrorAsync(context, 400, 271, $"Code: 271. DB::Exception: Cannot decompress the request body: {e.Message.TrimEnd('.')}. (CANNOT_DECOMPRESS) (version {engine.Version} (chDB))\n");
        }
    }

    private async Task RunQueryAsync(HttpContext context, ClickHouseUser user)
    {
        var http = context.Request;
        var ct = context.RequestAborted;
        // Only multipart/form-data carries fields: ClickHouse reads any other body, curl's default
        // application/x-www-form-urlencoded included, as the query text.
        var form = IsMultipart(http) ? await http.ReadFormAsync(ct) : null;
        var request = ClickHouseRequest.From(http, form);
        // GET is read-only in ClickHouse, and so is a client that asked for readonly itself.
        var readOnlyRequest = HttpMethods.IsGet(http.Method) || http.Query["readonly"].ToString() is "1" or "2";
        var settingNames = request.Settings.Select(s => s.Key).ToList();
        context.Response.Headers["X-ClickHouse-Query-Id"] = request.QueryId;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var body = form is null ? RequestBody.Open(http) : Stream.Null;
        await using var _ = body == http.Body ? null : body;
        using var statement = await PreparedStatement.ReadAsync(request.QueryText, body, request.Settings, engine.NewInsertFilePath,
            clientText => StatementPolicy.Check(user, clientText, readOnlyRequest, settingNames),
            values => StatementPolicy.CheckValues(user, values), ct);
        var info = statement.Info;
        var readMs = watch.Elapsed.TotalMilliseconds;
        if (info.Kind.Length == 0)
            throw new ChdbQueryException("Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)");

        var format = info.IsInsert ? request.DefaultFormat : info.FormatName ?? request.DefaultFormat;
        context.Response.Headers["X-ClickHouse-Format"] = format;

        ChdbResult? result = null;
        // Without a session ClickHouse forgets SET and USE when the request ends; on the one
        // connection this server shares they would leak into every later request instead.
        if (info.Kind is not ("SET" or "USE"))
        {
            var options = new ChdbQueryOptions
            {
                Database = request.Database,
                Parameters = request.Parameters,
                // An inline-data INSERT carries the request's settings in its own SETTINGS clause.
                Settings = statement.DataFile is null ? request.Settings : [],
            };
            result = await executor.RunAsync(() => engine.Query(statement.Sql, format, options));
        }
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("ClickHouse HTTP {Kind}: body read {ReadMs:0.0} ms, engine {EngineMs:0.0} ms", info.Kind, readMs, watch.Elapsed.TotalMilliseconds - readMs);

        var response = context.Response;
        response.StatusCode = 200;
        response.Headers["X-ClickHouse-Summary"] = ResponseWriter.Summary(result);
        response.ContentType = ResponseWriter.ContentTypeFor(format);
        var data = result?.Data ?? [];
        await ResponseWriter.WriteAsync(response, data, ResponseWriter.ChooseEncoding(http, request.CompressResponse), ct);
    }

    private static bool IsMultipart(HttpRequest http) =>
        http.ContentType is { } type && type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    private static async Task WriteErrorAsync(HttpContext context, int status, int code, string text)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (code != 0)
            response.Headers["X-ClickHouse-Exception-Code"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.ContentType = "text/plain; charset=UTF-8";
        await ResponseWriter.WriteAsync(response, Encoding.UTF8.GetBytes(text), null, context.RequestAborted);
    }
}
