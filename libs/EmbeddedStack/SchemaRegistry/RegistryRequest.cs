using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>One request, decoded: method, unescaped path segments, query flags and the JSON body.</summary>
internal sealed record RegistryRequest(string Method, string[] Segments, IQueryCollection Query, JsonNode? Body)
{
    public static async Task<RegistryRequest> ReadAsync(HttpContext context, int maxBodyBytes)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = raw is not null && raw.StartsWith('/') ? raw.Split('?', 2)[0] : context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        JsonNode? body = null;
        if (HttpMethods.IsPost(context.Request.Method) || HttpMethods.IsPut(context.Request.Method))
            body = await ReadBodyAsync(context, maxBodyBytes);
        return new RegistryRequest(context.Request.Method.ToUpperInvariant(), segments, context.Request.Query, body);
    }

    public bool Flag(string name) =>
        Query.TryGetValue(name, out var value) && string.Equals(value.ToString(), "true", StringComparison.OrdinalIgnoreCase);

    public string? Text(string name) => Query.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value.ToString() : null;

    private static async Task<JsonNode?> ReadBodyAsync(HttpContext context, int maxBodyBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBodyBytes)
                throw RegistryException.BadRequest($"Request body is larger than {maxBodyBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
            return null;
        try
        {
            return JsonNode.Parse(buffer.ToArray());
        }
        catch (JsonException e)
        {
            throw RegistryException.BadRequest($"Request body is not JSON: {e.Message}");
        }
    }
}
