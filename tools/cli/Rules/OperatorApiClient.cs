using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Pipeline.EmbeddedStack;

namespace Pipeline.Cli.Rules;

/// <summary>
/// The bridge's operator API as the CLI calls it. Where: OperatorApi:Url when configured (production), else the running
/// pipeline's bridge from .pipeline/endpoints.json. The token: OperatorApi:Token when configured, else operatorToken
/// from .pipeline/credentials.json, the one `up` gives the bridge.
/// </summary>
public sealed class OperatorApiClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http;

    private OperatorApiClient(Uri baseUrl, string token)
    {
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = RequestTimeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static OperatorApiClient Create(IConfiguration configuration)
    {
        var url = configuration["OperatorApi:Url"];
        var token = configuration["OperatorApi:Token"];
        if (string.IsNullOrWhiteSpace(url))
        {
            var live = StackEndpoints.ReadLive(RepositoryPaths.EndpointsFile) ?? throw new CliException(CliConfiguration.NotRunning);
            // The bridge serves /metrics, /healthz and the operator APIs on the same HTTP address.
            url = live.Metrics.TryGetValue("bridge", out var metrics) && metrics.EndsWith("/metrics", StringComparison.Ordinal)
                ? metrics[..^"/metrics".Length]
                : throw new CliException($"{RepositoryPaths.EndpointsFile} does not say where the bridge is; restart the pipeline with ./pipeline up or set PIPELINE__OperatorApi__Url.");
        }
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            throw new CliException($"OperatorApi:Url '{url}' is not an http(s) URL.");
        if (string.IsNullOrEmpty(token))
            token = CliConfiguration.ReadCredentials().OperatorToken;
        return new OperatorApiClient(baseUrl, token);
    }

    /// <summary>One request; the status and the JSON answer (an empty object for 204). Throws CliException when the bridge does not answer.</summary>
    public async Task<(int Status, JsonNode Body, string? ETag)> SendAsync(HttpMethod method, string path, JsonNode? body = null,
        string? ifMatch = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"The bridge's operator API at {BaseUrl} does not answer ({e.Message}): is the pipeline running (./pipeline up)?");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"The bridge's operator API at {BaseUrl} did not answer within {RequestTimeout.TotalSeconds:0} s.");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonNode parsed;
            try
            {
                parsed = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
            }
            catch (System.Text.Json.JsonException)
            {
                parsed = new JsonObject { ["error"] = $"HTTP {(int)response.StatusCode}: {text}" };
            }
            return ((int)response.StatusCode, parsed, response.Headers.ETag?.Tag);
        }
    }

    public void Dispose() => _http.Dispose();
}
