using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// The REST API of Confluent Schema Registry that Confluent.SchemaRegistry's CachedSchemaRegistryClient
/// (2.16) calls, plus the read and delete calls people make with curl. Routing is on the raw request
/// path, segment by segment, because a subject may contain '/' (sent as %2F), which ASP.NET Core's
/// route matching would leave half-decoded.
/// </summary>
internal sealed partial class RegistryApi(SchemaStore store, ILogger logger, RegistryWriter? writer = null)
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
            if (writer is not null && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
                && !writer.Accepts(context.Request.Headers.Authorization))
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"SchemaRegistry\"";
                throw new RegistryException(401, 40101, "Unauthorized: registering, changing and deleting need the Schema Registry user (basic auth).");
            }
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
