using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// A small Schema Registry for the embedded stack and tests: answers the REST calls Confluent's
/// CachedSchemaRegistryClient makes (register, look-up, by id, by subject and version, subjects,
/// deletes, compatibility config) with Confluent's JSON shapes and error codes. Ids are global and
/// stable, and the state is a JSON file in <c>storageDir</c>, so ids survive a restart.
/// Production points at a real Confluent Schema Registry instead.
/// </summary>
public sealed class EmbeddedSchemaRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SchemaStore _store;
    private readonly RegistryApi _api;
    private int _stopped;

    private EmbeddedSchemaRegistry(WebApplication app, SchemaStore store, RegistryApi api, string url)
    {
        _app = app;
        _store = store;
        _api = api;
        Url = url;
    }

    /// <summary>The bound address, e.g. http://127.0.0.1:41234 (the real port when started on port 0).</summary>
    public string Url { get; }

    /// <summary>HTTP requests answered so far (any path, any outcome).</summary>
    public long RequestCount => _api.RequestCount;

    /// <summary>Requests that failed inside the registry (HTTP 500); tests expect none.</summary>
    public long ServerErrorCount => _api.ServerErrorCount;

    /// <summary>POST /subjects/{subject}/versions requests received for this subject (lets tests see client-side caching).</summary>
    public long RegistrationRequestCount(string subject) => _api.RegistrationRequestCount(subject);

    public static Task<EmbeddedSchemaRegistry> StartAsync(string url, string storageDir, CancellationToken ct = default) =>
        StartAsync(url, storageDir, NullLogger.Instance, ct: ct);

    /// <param name="url">http://IP:port or http://localhost:port; port 0 picks a free port.</param>
    /// <param name="storageDir">Where the state file lives (created if missing); one registry per directory.</param>
    /// <param name="logger">Receives internal errors (the client sees HTTP 500 for those).</param>
    /// <param name="writer">When set, only this user may register, change config and delete (401 otherwise); reads stay open.</param>
    public static async Task<EmbeddedSchemaRegistry> StartAsync(string url, string storageDir, ILogger logger, RegistryWriter? writer = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var endpoint = ParseEndpoint(url);
        var store = SchemaStore.Open(storageDir);
        WebApplication? app = null;
        try
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
            {
                options.AddServerHeader = false;
                options.Listen(endpoint);
            });
            app = builder.Build();
            var api = new RegistryApi(store, logger, writer);
            app.Run(api.HandleAsync);
            await app.StartAsync(ct);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel started but reported no address.");
            return new EmbeddedSchemaRegistry(app, store, api, address.TrimEnd('/'));
        }
        catch
        {
            if (app is not null)
                await app.DisposeAsync();
            store.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening; requests in flight finish first. Safe to call more than once.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
            return;
        try
        {
            await _app.StopAsync(ct);
        }
        finally
        {
            await _app.DisposeAsync();
            _store.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static IPEndPoint ParseEndpoint(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
            throw new ArgumentException($"Schema registry URL '{url}' must look like http://127.0.0.1:8081 (http, a host and a port, no path).", nameof(url));
        var address = uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns
            ? IPAddress.Loopback // "localhost": one address, so that port 0 means one port
            : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)
                ? ip
                : throw new ArgumentException($"Schema registry URL '{url}' must name an IP address or localhost, not '{uri.Host}'.", nameof(url));
        return new IPEndPoint(address, uri.Port);
    }
}
