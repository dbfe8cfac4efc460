using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// The REST API of Confluent Schema Registry that Confluent.SchemaRegistry's CachedSchemaRegistryClient
/// (2.16) calls, plus the read and delete calls people make with curl. Routing is on the raw request
/// path, segment by segment, because a subject may contain '/' (sent as %2F), which ASP.NET Core's
/// route matching would leave half-decoded.
/// </summary>
internal sealed partial class RegistryApi(SchemaStore store, ILogger logger)
{
    public const string ContentType = "application/vnd.schemaregistry.v1+json";
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    private long _requests;
    private long _serverErrors;
    private readonly Dictionary<string, long> _registrations = new(StringComparer.Ordinal);

    public long RequestCount => Interlocked.Read(ref _requests);
    public long ServerErrorCount => Interlocked.Read(ref _serverErrors);

    public long RegistrationRequestCount(string subject)
    {
        lock (_registrations)
            return _registrations.GetValueOrDefault(subject);
    }

    public async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        int status;
        object body;
        try
        {
            var request = await RegistryRequest.ReadAsync(context, MaxBodyBytes);
            body = Dispatch(request);
            status = 200;
        }
        catch (RegistryException e)
        {
            (status, body) = (e.HttpStatus, RegistryJson.Error(e));
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _serverErrors);
            logger.LogError(e, "Schema registry failed on {Method} {Path}", context.Request.Method, context.Request.Path);
            (status, body) = (500, RegistryJson.Error(new RegistryException(500, 50001, $"Error in the backend data store: {e.Message}")));
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        var text = body switch
        {
            JsonNode node => node.ToJsonString(),
            RawBody raw => raw.Text,
            _ => JsonSerializer.Serialize(body),
        };
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    private void CountRegistration(string subject)
    {
        lock (_registrations)
            _registrations[subject] = _registrations.GetValueOrDefault(subject) + 1;
    }
}

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
