using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using MQTTnet.Implementations;
using Pipeline.MqttBridge.Auth;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// MQTT over WebSocket (8083, /mqtt) on a Kestrel server of its own, apart from the /healthz and
/// /metrics endpoint, so each can be bound (and firewalled) separately.
/// </summary>
public sealed class WebSocketListener(
    IOptions<ListenersOptions> options,
    IOptions<LimitsOptions> limits,
    ConnectThrottle throttle,
    ConnectionFactory connections,
    ILogger<WebSocketListener> logger) : IAsyncDisposable
{
    private readonly ListenersOptions _options = options.Value;
    private readonly TimeSpan _connectTimeout = limits.Value.ConnectTimeout;
    private const string AcceptedAt = "pipeline.accepted-at";
    private WebApplication? _app;

    public int? Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.WebSocketPort < 0)
            return;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // A WebSocket client has Limits:ConnectTimeout from its TCP connect to its CONNECT, upgrade included, as on TCP:
        // Kestrel drops a connection whose request headers do not arrive in time, and RunAsync gets what is left.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.RequestHeadersTimeout = _connectTimeout;
            k.Limits.KeepAliveTimeout = _connectTimeout;
            k.Listen(IPAddress.Parse(_options.BindAddress), _options.WebSocketPort, listen => listen.Use(next => connection =>
            {
                connection.Items[AcceptedAt] = System.Diagnostics.Stopwatch.GetTimestamp();
                return next(connection);
            }));
        });
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Map(_options.WebSocketPath, HandleAsync);
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"Cannot listen for MQTT over WebSocket on {_options.BindAddress}:{_options.WebSocketPort}: {e.Message}. Set Listeners:WebSocketPort to a free port (0 = any, -1 = off).", e);
        }
        Port = new Uri(_app.Urls.First()).Port;
        logger.LogInformation("MQTT over WebSocket listening on ws://{Address}:{Port}{Path}", _options.BindAddress, Port, _options.WebSocketPath);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null)
            return;
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("This endpoint speaks MQTT over WebSocket only.\n").ConfigureAwait(false);
            return;
        }
        var remote = new IPEndPoint(context.Connection.RemoteIpAddress ?? IPAddress.None, context.Connection.RemotePort);
        if (throttle.IsThrottled(remote.Address))
        {
            BridgeMetrics.ConnectsRefused.WithLabels("throttled").Inc();
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return;
        }
        var accepted = context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items[AcceptedAt] as long?;
        var left = _connectTimeout - (accepted is { } at ? System.Diagnostics.Stopwatch.GetElapsedTime(at) : TimeSpan.Zero);
        if (left <= TimeSpan.Zero)
        {
            context.Response.StatusCode = StatusCodes.Status408RequestTimeout;
            return;
        }
        var subProtocol = MqttSubProtocolSelector.SelectSubProtocol(context.Request);
        using var webSocket = await context.WebSockets.AcceptWebSocketAsync(subProtocol).ConfigureAwait(false);
        var channel = new MqttWebSocketChannel(webSocket, remote, isSecureConnection: false, clientCertificate: null);
        try
        {
            await connections.RunAsync(channel, "ws", certificateDeviceId: null, connectDeadline: left).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogDebug("MQTT WebSocket connection from {Remote} ended: {Reason}", remote, e.Message);
        }
    }
}
