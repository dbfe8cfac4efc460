using System.Text;
using Microsoft.AspNetCore.Http;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// Who a request says it is, read the ways ClickHouse's HTTP interface reads it: `user`/`password`
/// URL parameters, X-ClickHouse-User/X-ClickHouse-Key headers, or HTTP basic auth; none of them means
/// user `default` with an empty password. Like ClickHouse, it refuses basic auth combined with either
/// other form (a client that sends two identities has a bug worth seeing).
/// </summary>
internal readonly record struct RequestCredentials(string User, string Password)
{
    public const string DefaultUser = "default";

    public static RequestCredentials Read(HttpRequest request)
    {
        var query = request.Query;
        var headers = request.Headers;
        var authorization = headers.Authorization.ToString();
        var hasParameters = query.ContainsKey("user") || query.ContainsKey("password");
        var hasHeaders = headers.ContainsKey("X-ClickHouse-User") || headers.ContainsKey("X-ClickHouse-Key");

        if (authorization.Length > 0)
        {
            if (hasParameters)
                throw Invalid("it is not allowed to use Authorization HTTP header and authentication via parameters simultaneously");
            if (hasHeaders)
                throw Invalid("it is not allowed to use X-ClickHouse HTTP headers and Authorization HTTP header simultaneously");
            return FromBasic(authorization);
        }
        if (hasHeaders && hasParameters)
            throw Invalid("it is not allowed to use X-ClickHouse HTTP headers and other authentication methods simultaneously");
        if (hasHeaders)
            return new(NonEmpty(headers["X-ClickHouse-User"].ToString()) ?? DefaultUser, headers["X-ClickHouse-Key"].ToString());
        return new(NonEmpty(query["user"].ToString()) ?? DefaultUser, query["password"].ToString());
    }

    private static RequestCredentials FromBasic(string authorization)
    {
        const string scheme = "Basic ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            throw Invalid("only Basic authentication is supported in the Authorization HTTP header");
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[scheme.Length..].Trim()));
        }
        catch (FormatException)
        {
            throw Invalid("the Authorization HTTP header is not valid Base64");
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? new(decoded, "") : new(decoded[..colon], decoded[(colon + 1)..]);
    }

    private static string? NonEmpty(string value) => value.Length == 0 ? null : value;

    private static ChdbQueryException Invalid(string reason) =>
        new($"Code: 516. DB::Exception: Invalid authentication: {reason}. (AUTHENTICATION_FAILED)");

    /// <summary>ClickHouse's answer to an unknown user or a wrong password (the same for both, on purpose).</summary>
    public ChdbQueryException Refusal() =>
        new($"Code: 516. DB::Exception: {User}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)");

    // The password must never reach a log through this record's generated ToString.
    public override string ToString() => User;
}
