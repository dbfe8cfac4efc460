using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Server;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// The TCP (1883) and TLS (8883) listeners, in place of MQTTnet's own: the bridge binds the sockets
/// itself so that port 0 works and bind failures stop the start, refuses throttled addresses before
/// any TLS work, bounds the TLS handshake in time, and checks client certificates against the fleet
/// CA (never against the system's roots).
/// </summary>
public sealed class FleetServerAdapter(
    IOptions<ListenersOptions> options,
    TlsMaterialProvider tls,
    ConnectThrottle throttle,
    ConnectionFactory connections,
    ILogger<FleetServerAdapter> logger) : IMqttServerAdapter
{
    private readonly ListenersOptions _options = options.Value;
    private readonly List<Socket> _sockets = [];
    // Whether accepted sockets came with TCP_NODELAY from their listener: unknown (-1) until the first connection, which
    // is looked at once; where they do not (a platform other than Linux), every connection sets it itself.
    private int _noDelayInherited = -1;
    private CancellationTokenSource? _stop;
    private SslStreamCertificateContext? _serverCertificate;

    public Func<IMqttChannelAdapter, Task>? ClientHandler
    {
        get => connections.ClientHandler;
        set => connections.ClientHandler = value;
    }

    /// <summary>The bound ports (null when the listener is off), known once the server started.</summary>
    public int? TcpPort { get; private set; }

    public int? TlsPort { get; private set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _stop = new CancellationTokenSource();
        var address = IPAddress.Parse(_options.BindAddress);
        if (_options.TcpPort >= 0)
            TcpPort = Listen(new IPEndPoint(address, _options.TcpPort), tlsListener: false);
        if (_options.TlsPort >= 0)
        {
            var material = tls.Material;
            _serverCertificate = SslStreamCertificateContext.Create(material.ServerCertificate!, additionalCertificates: null, offline: true);
            TlsPort = Listen(new IPEndPoint(address, _options.TlsPort), tlsListener: true);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        _stop?.Cancel();
        foreach (var socket in _sockets)
            socket.Dispose();
        _sockets.Clear();
        return Task.CompletedTask;
    }

    public void Dispose() => StopAsync();

    private int Listen(IPEndPoint endPoint, bool tlsListener)
    {
        Socket socket;
        try
        {
            socket = OpenListener(endPoint);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException(
                $"Cannot listen for MQTT{(tlsListener ? " over TLS" : "")} on {endPoint}: {e.Message}. Set Listeners:{(tlsListener ? "TlsPort" : "TcpPort")} to a free port (0 = any, -1 = off).", e);
        }
        _sockets.Add(socket);
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        logger.LogInformation("MQTT{Tls} listening on {Address}:{Port}", tlsListener ? " over TLS" : "", endPoint.Address, port);
        _ = AcceptLoopAsync(socket, tlsListener, _stop!.Token);
        return port;
    }

    /// <summary>
    /// A listening socket whose accepted connections have Nagle's algorithm off (PUBACKs and CONNACKs leave at once):
    /// on Linux an accepted socket inherits TCP_NODELAY from its listener (a unit test holds it), which spares every
    /// connect a setsockopt call of its own. The first connection is checked, in case a platform does not pass it on.
    /// </summary>
    internal static Socket OpenListener(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            socket.Bind(endPoint);
            socket.Listen(1024);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket listener, bool tlsListener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                logger.LogWarning("Accepting an MQTT connection failed: {Reason}", e.Message);
                continue;
            }
            _ = Task.Run(() => HandleAsync(client, tlsListener), CancellationToken.None);
        }
    }

    private Task HandleAsync(Socket socket, bool tlsListener)
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var local = socket.LocalEndPoint!;
        // A throttled address is refused before any work, except on the TLS port: many devices may share one
        // address (carrier NAT), and one with a valid fleet certificate is not locked out by the others' failures.
        var throttled = throttle.IsThrottled(remote.Address);
        if (throttled && !tlsListener)
        {
            BridgeMetrics.ConnectsRefused.WithLabels("throttled").Inc();
            socket.Dispose();
            return Task.CompletedTask;
        }
        if (_noDelayInherited != 1)
            EnsureNoDelay(socket);
        var network = new NetworkStream(socket, ownsSocket: true);
        // Not async itself: a plain TCP connection's task for its whole life is ServeAsync's, whose state is smaller.
        return tlsListener
            ? HandleTlsAsync(network, local, remote, throttled)
            : ServeAsync(new StreamChannel(network, local, remote, clientCertificate: null, socket), "tcp", certificateDeviceId: null, network);
    }

    private void EnsureNoDelay(Socket socket)
    {
        if (_noDelayInherited == -1)
            _noDelayInherited = socket.NoDelay ? 1 : 0;
        if (_noDelayInherited == 0)
            socket.NoDelay = true;
    }

    private async Task HandleTlsAsync(NetworkStream network, EndPoint local, IPEndPoint remote, bool throttled)
    {
        SslStream? ssl = null;
        var handedOver = false;
        try
        {
            (ssl, var check) = await AuthenticateTlsAsync(network, remote).ConfigureAwait(false);
            if (ssl is null)
                return;
            var certificateDeviceId = check?.DeviceId;
            if (throttled && certificateDeviceId is null)
            {
                BridgeMetrics.ConnectsRefused.WithLabels("throttled").Inc();
                return;
            }
            handedOver = true; // ServeAsync closes both streams
            await ServeAsync(new StreamChannel(ssl, local, remote, ssl.RemoteCertificate as X509Certificate2), "tls", certificateDeviceId, network)
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogDebug("MQTT connection from {Remote} ended: {Reason}", remote, e.Message);
        }
        finally
        {
            if (!handedOver)
            {
                if (ssl is not null)
                    await ssl.DisposeAsync().ConfigureAwait(false);
                await network.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs an accepted connection through MQTTnet until it ends, then closes its streams (<paramref name="network"/> under a TLS one).</summary>
    private async Task ServeAsync(StreamChannel channel, string listener, string? certificateDeviceId, NetworkStream network)
    {
        try
        {
            var connection = connections.Open(channel, listener, certificateDeviceId);
            try
            {
                await connections.Serve(connection).ConfigureAwait(false);
            }
            finally
            {
                connections.Close(connection, listener);
            }
        }
        catch (Exception e)
        {
            logger.LogDebug("MQTT connection from {Remote} ended: {Reason}", channel.RemoteEndPoint, e.Message);
        }
        finally
        {
            channel.Dispose();
            await network.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<(SslStream? Stream, ClientCertificateCheck? Check)> AuthenticateTlsAsync(Stream stream, IPEndPoint remote)
    {
        var material = tls.Material;
        ClientCertificateCheck? check = null;
        var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
        var authentication = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _serverCertificate,
            // Always ask for a certificate; without one the device may still use its token unless certificates are mandatory.
            ClientCertificateRequired = true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    check = _options.RequireClientCertificate ? ClientCertificateCheck.Invalid("a client certificate is required") : null;
                    return !_options.RequireClientCertificate;
                }
                // The platform's verdict (errors) is ignored on purpose: it judges against the system roots.
                // The fleet CA is the only trust anchor for devices.
                check = material.Ca.ValidateClientCertificate(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                return check.IsValid;
            },
        };
        using var timeout = new CancellationTokenSource(_options.HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(authentication, timeout.Token).ConfigureAwait(false);
            return (ssl, check);
        }
        catch (Exception e)
        {
            var reason = check is { IsValid: false } ? check.Failure! : timeout.IsCancellationRequested ? "TLS handshake timed out" : e.Message;
            var label = check is { IsValid: false } ? CertificateLabel(check.Failure!) : timeout.IsCancellationRequested ? "tls_timeout" : "tls_failed";
            BridgeMetrics.ConnectsRefused.WithLabels(label).Inc();
            throttle.RecordFailure(remote.Address);
            logger.LogInformation("TLS connection from {Remote} refused: {Reason}", remote, reason);
            await ssl.DisposeAsync().ConfigureAwait(false);
            return (null, check);
        }
    }

    internal static string CertificateLabel(string failure) =>
        failure.Contains("expired", StringComparison.Ordinal) ? "certificate_expired"
        : failure.Contains("fleet CA", StringComparison.Ordinal) ? "certificate_untrusted"
        : failure.Contains("required", StringComparison.Ordinal) ? "certificate_missing"
        : "certificate_invalid";
}
