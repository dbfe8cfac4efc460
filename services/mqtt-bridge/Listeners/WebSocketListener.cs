using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using MQTTnet.Implementations;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// MQTT over WebSocket (8083, /mqtt) and over secure WebSocket (Listeners:WebSocketTlsPort, wss://) on a Kestrel
/// server of their own, apart from the /healthz and /metrics endpoint, so each can be bound (and firewalled)
/// separately. On wss a fleet client certificate identifies the device as on the MQTT TLS port.
/// </summary>
public sealed class WebSocketListener(
    IOptions<ListenersOptions> options,
    IOptions<LimitsOptions> limits,
    ConnectThrottle throttle,
    ConnectionFactory connections,
    TlsMaterialProvider tls,
    ILogger<WebSocketListener> logger) : IAsyncDisposable
{
    private readonly ListenersOptions _options = options.Value;
    private readonly TimeSpan _connectTimeout = limits.Value.ConnectTimeout;
    private const string AcceptedAt = "pipeline.accepted-at";
    private WebApplication? _app;

    public int? Port { get; private set; }

    public int? TlsPort { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.WebSocketPort < 0 && _options.WebSocketTlsPort < 0)
            return;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // A WebSocket client has Limits:ConnectTimeout from its TCP connect to its CONNECT, upgrade included, as on TCP:
        // Kestrel drops a connection whose request headers do not arrive in time, and RunAsync gets what is left.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.RequestHeadersTimeout = _connectTimeout;
            k.Limits.KeepAliveTimeout = _connectTimeout;
            if (_options.WebSocketPort >= 0)
                k.Listen(IPAddress.Parse(_options.BindAddress), _options.WebSocketPort, listen => listen.Use(StampAcceptedAt));
            if (_options.WebSocketTlsPort >= 0)
                k.Listen(IPAddress.Parse(_options.BindAddress), _options.WebSocketTlsPort, listen =>
                {
                    listen.Use(StampAcceptedAt);
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = tls.Material.ServerCertificate;
                        https.HandshakeTimeout = _options.HandshakeTimeout;
                        https.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
                        // Asked for, judged in HandleAsync against the fleet CA (not the system roots), so that a refused
                        // certificate gets a 403 with the reason instead of a bare handshake failure.
                        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                        https.ClientCertificateValidation = (_, _, _) => true;
                    });
                });
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
        var urls = _app.Urls.Select(u => new Uri(u)).ToList();
        Port = urls.FirstOrDefault(u => u.Scheme == "http")?.Port;
        TlsPort = urls.FirstOrDefault(u => u.Scheme == "https")?.Port;
        logger.LogInformation("MQTT over WebSocket listening on ws port {Port}, wss port {TlsPort}, path {Path} ({Address})",
            Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "off", TlsPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "off",
            _options.WebSocketPath, _options.BindAddress);
    }

    private static ConnectionDelegate StampAcceptedAt(ConnectionDelegate next) => connection =>
    {
        connection.Items[AcceptedAt] = System.Diagnostics.Stopwatch.GetTimestamp();
        return next(connection);
    };

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
        X509Certificate2? certificate = null;
        string? certificateDeviceId = null;
        if (context.Request.IsHttps)
        {
            certificate = await context.Connection.GetClientCertificateAsync(context.RequestAborted).ConfigureAwait(false);
            var refusal = CheckCertificate(certificate, out certificateDeviceId);
            if (refusal is not null)
            {
                throttle.RecordFailure(remote.Address);
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync(refusal + "\n").ConfigureAwait(false);
                return;
            }
        }
        var subProtocol = MqttSubProtocolSelector.SelectSubProtocol(context.Request);
        using var webSocket = await context.WebSockets.AcceptWebSocketAsync(subProtocol).ConfigureAwait(false);
        var channel = new MqttWebSocketChannel(webSocket, remote, isSecureConnection: context.Request.IsHttps, clientCertificate: certificate);
        try
        {
            await connections.RunAsync(channel, context.Request.IsHttps ? "wss" : "ws", certificateDeviceId, connectDeadline: left).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogDebug("MQTT WebSocket connection from {Remote} ended: {Reason}", remote, e.Message);
        }
    }

    /// <summary>Null when the wss client may go on to CONNECT (with its certificate's device, if it sent one).</summary>
    private string? CheckCertificate(X509Certificate2? certificate, out string? deviceId)
    {
        deviceId = null;
        var check = certificate is null
            ? _options.RequireClientCertificate ? ClientCertificateCheck.Invalid("a client certificate is required") : null
            : tls.Material.Ca.ValidateClientCertificate(certificate);
        if (check is null)
            return null;
        if (!check.IsValid)
        {
            BridgeMetrics.ConnectsRefused.WithLabels(FleetServerAdapter.CertificateLabel(check.Failure!)).Inc();
            return $"client certificate refused: {check.Failure}";
        }
        deviceId = check.DeviceId;
        return null;
    }
}
