using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.EmbeddedStack.ClickHouse.Http;

namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>
/// ClickHouse's HTTP interface in front of the in-process engine, so clients (ClickHouse.Driver,
/// curl) talk to chDB exactly as to a ClickHouse server. Binds 127.0.0.1 only, and still every
/// query needs one of the given users' credentials: any local user can reach a loopback port. It can
/// be stopped and started again on the same port, which is how fault tests take "ClickHouse" down.
/// </summary>
public sealed class ClickHouseHttpEndpoint : IAsyncDisposable
{
    private readonly ClickHouseRequestHandler _handler;
    private readonly EngineExecutor _executor;
    private readonly ILoggerFactory? _loggers;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private int _port;

    private ClickHouseHttpEndpoint(ChdbEngine engine, ClickHouseUsers users, ILoggerFactory? loggers)
    {
        _executor = new EngineExecutor();
        var logger = (ILogger?)loggers?.CreateLogger<ClickHouseHttpEndpoint>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _handler = new ClickHouseRequestHandler(engine, _executor, ErrorStatus.Load(engine), users, logger);
        _loggers = loggers;
    }

    /// <summary>The bound address, e.g. http://127.0.0.1:8123 (the real port when 0 was asked for).</summary>
    public string Url => $"http://127.0.0.1:{_port}";

    public int Port => _port;

    public bool IsRunning => _app is not null;

    /// <summary>
    /// Starts serving <paramref name="engine"/> at <paramref name="url"/> (http://127.0.0.1:PORT; port 0 picks a
    /// free one) to <paramref name="users"/>, each allowed what its role allows (Http/StatementPolicy).
    /// </summary>
    public static async Task<ClickHouseHttpEndpoint> StartAsync(
        ChdbEngine engine, IReadOnlyCollection<ClickHouseUser> users, string url = "http://127.0.0.1:8123",
        ILoggerFactory? loggers = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(users);
        if (users.Count == 0)
            throw new ArgumentException("The embedded ClickHouse endpoint needs at least one user; it serves no anonymous queries.", nameof(users));
        var address = new Uri(url, UriKind.Absolute);
        if (address.Scheme != Uri.UriSchemeHttp || !IPAddress.TryParse(address.Host, out var ip) || !IPAddress.IsLoopback(ip))
            throw new ArgumentException($"The embedded ClickHouse endpoint serves plain http on a loopback address, e.g. http://127.0.0.1:8123; got '{url}'.", nameof(url));
        var endpoint = new ClickHouseHttpEndpoint(engine, new ClickHouseUsers(users), loggers) { _port = address.Port };
        try
        {
            await endpoint.StartAsync(ct);
            return endpoint;
        }
        catch
        {
            await endpoint.DisposeAsync();
            throw;
        }
    }

    /// <summary>Serves again on the same port after <see cref="StopAsync"/>.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct);
        try
        {
            if (_app is not null)
                return;
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Loopback, _port);
                kestrel.Limits.MaxRequestBodySize = null; // insert bodies are as large as a batch
                // Queries and param_* values may travel in the URL; ClickHouse accepts URLs up to 1 MiB.
                kestrel.Limits.MaxRequestLineSize = 512 * 1024;
                kestrel.Limits.MaxRequestHeadersTotalSize = 512 * 1024;
                kestrel.AddServerHeader = false;
            });
            if (_loggers is not null)
                builder.Services.AddSingleton(_loggers);
            var app = builder.Build();
            app.Run(_handler.HandleAsync);
            await app.StartAsync(ct);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _port = new Uri(bound).Port;
            _app = app;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops listening: new connections to the port are refused until <see cref="StartAsync(CancellationToken)"/>.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct);
        try
        {
            if (_app is null)
                return;
            var app = _app;
            _app = null;
            await app.StopAsync(ct);
            await app.DisposeAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _executor.Dispose();
        _lifecycle.Dispose();
    }
}
