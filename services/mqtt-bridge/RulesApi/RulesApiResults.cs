using System.Text;
using System.Text.Json.Nodes;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.MqttBridge.RulesApi;

/// <summary>The rules API's answers: a rule as stored, or an error <c>{"code", "error"}</c> with, for a statement or
/// template the compiler refused, <c>"field"</c>, <c>"line"</c>, <c>"column"</c> and <c>"reason"</c>.</summary>
public static class RulesApiResults
{
    public static IResult Rule(HttpContext http, RuleDefinition rule, int status = StatusCodes.Status200OK)
    {
        http.Response.Headers.ETag = $"\"{rule.Version}\"";
        return Json(RuleDefinitionJson.ToText(rule), status);
    }

    public static IResult Json(string json, int status = StatusCodes.Status200OK) =>
        Results.Text(json, "application/json", Encoding.UTF8, status);

    public static IResult Error(int status, string message) =>
        Json(new JsonObject { ["code"] = status, ["error"] = message }.ToJsonString(RuleDefinitionJson.Options), status);

    /// <summary>400 for a rule that cannot be stored, with the position when the compiler gave one.</summary>
    public static IResult Invalid(RuleDefinitionException refused)
    {
        var body = new JsonObject { ["code"] = StatusCodes.Status400BadRequest, ["error"] = refused.Message };
        if (refused.Field is { } field)
            body["field"] = field;
        if (refused.SqlError is { } sql)
        {
            body["line"] = sql.Line;
            body["column"] = sql.Column;
            body["reason"] = sql.Reason;
        }
        return Json(body.ToJsonString(RuleDefinitionJson.Options), StatusCodes.Status400BadRequest);
    }

    /// <summary>The request body, at most <paramref name="limit"/> bytes; null when it is longer.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
            return null;
        var buffer = new byte[limit + 1];
        var read = 0;
        while (read < buffer.Length && await request.Body.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0)
            read += n;
        return read > limit ? null : buffer[..read];
    }

    /// <summary>The version an If-Match header asks for: null without one, -1 for "*" (any existing version); throws for anything else.</summary>
    public static long? ExpectedVersion(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
            return null;
        if (header == "*")
            return -1;
        var text = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        return long.TryParse(text.Trim('"'), out var version) && version > 0
            ? version
            : throw new RuleDefinitionException($"If-Match: expected a rule version such as \"3\" (the ETag of GET /rules/<name>), got '{header}'");
    }
}
