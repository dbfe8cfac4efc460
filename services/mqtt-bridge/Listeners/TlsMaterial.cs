using System.Net;
using System.Security.Cryptography.X509Certificates;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// The fleet CA (the only root trusted for device certificates) and the TLS server certificate:
/// either the operator's (Listeners:CaCertificatePath, ServerCertificatePath) or generated under
/// Listeners:CaDirectory at first start and reused afterwards.
/// </summary>
public sealed class TlsMaterial(FleetCertificateAuthority ca, X509Certificate2? serverCertificate) : IDisposable
{
    public FleetCertificateAuthority Ca { get; } = ca;

    /// <summary>Null when the MQTT TLS listener, MQTT over secure WebSocket and HTTPS are all off.</summary>
    public X509Certificate2? ServerCertificate { get; } = serverCertificate;

    public static TlsMaterial Load(ListenersOptions options)
    {
        var ca = string.IsNullOrEmpty(options.CaCertificatePath)
            ? FleetCertificateAuthority.LoadOrCreate(options.CaDirectory)
            : FleetCertificateAuthority.Load(options.CaCertificatePath, string.IsNullOrEmpty(options.CaKeyPath) ? null : options.CaKeyPath);
        if (options.TlsPort < 0 && options.HttpsPort < 0 && options.WebSocketTlsPort < 0)
            return new TlsMaterial(ca, null);
        X509Certificate2 server;
        if (!string.IsNullOrEmpty(options.ServerCertificatePath))
        {
            server = X509Certificate2.CreateFromPemFile(options.ServerCertificatePath, options.ServerKeyPath);
        }
        else
        {
            var names = options.ServerNames.Prepend("localhost").Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
            if (IPAddress.TryParse(options.BindAddress, out var bind) && !IPAddress.Any.Equals(bind) && !addresses.Contains(bind))
                addresses.Add(bind);
            server = ca.LoadOrIssueServerCertificate(options.CaDirectory, names, addresses);
        }
        if (!server.HasPrivateKey)
            throw new InvalidOperationException("The TLS server certificate has no private key.");
        return new TlsMaterial(ca, server);
    }

    public void Dispose()
    {
        ServerCertificate?.Dispose();
        Ca.Dispose();
    }
}
