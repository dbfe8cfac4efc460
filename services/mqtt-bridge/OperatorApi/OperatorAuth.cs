using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.OperatorApi;

/// <summary>The operator token check every operator endpoint (shadows, rules) makes first.</summary>
public sealed class OperatorAuth(IOptions<OperatorApiOptions> options)
{
    /// <summary>Null when the request may go on; otherwise the status (503 API off, 401 token) and the message to answer with.</summary>
    public (int Status, string Message)? Refusal(HttpContext http, string api)
    {
        var token = options.Value.Token;
        if (string.IsNullOrEmpty(token))
            return (StatusCodes.Status503ServiceUnavailable, $"The {api} is off: no operator token is configured (OperatorApi:Token).");
        if (Authorized(http.Request.Headers.Authorization.ToString(), token))
            return null;
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return (StatusCodes.Status401Unauthorized, "Missing or wrong operator token: send Authorization: Bearer <OperatorApi:Token> (under ./pipeline up: operatorToken in .pipeline/credentials.json).");
    }

    private static bool Authorized(string header, string token)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        // Constant time, so the token cannot be guessed byte by byte from response times.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }
}
