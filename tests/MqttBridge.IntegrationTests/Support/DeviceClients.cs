using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Hosting;

namespace Pipeline.MqttBridge.IntegrationTests.Support;

/// <summary>MQTTnet clients configured the way a device would connect to the bridge.</summary>
public static class DeviceClients
{
    public static MqttClientOptionsBuilder Tcp(BridgeEndpoints endpoints, string clientId, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", endpoints.TcpPort)
            .WithClientId(clientId)
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(10));

    public static MqttClientOptionsBuilder WithToken(this MqttClientOptionsBuilder builder, string deviceId, string token) =>
        builder.WithCredentials(deviceId, token);

    /// <summary>TLS to the bridge, trusting only the fleet CA, optionally presenting a client certificate.</summary>
    public static MqttClientOptionsBuilder Tls(BridgeEndpoints endpoints, FleetCertificateAuthority ca, string clientId, X509Certificate2? clientCertificate = null) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", endpoints.TlsPort)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(tls =>
            {
                tls.UseTls();
                tls.WithTargetHost("localhost");
                tls.WithTrustChain([ca.Certificate]);
                tls.WithRevocationMode(X509RevocationMode.NoCheck);
                if (clientCertificate is not null)
                    tls.WithClientCertificates([clientCertificate]);
            });

    public static X509Certificate2 Certificate(IssuedCertificate issued)
    {
        // SslStream wants the key in a form it can use for the handshake; a PKCS#12 round trip gives that everywhere.
        using var pem = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Connects and returns the CONNACK result (MQTTnet 5 reports a refusal in the result; older behaviour threw).</summary>
    public static async Task<(IMqttClient Client, MqttClientConnectResult? Result, Exception? Error)> ConnectAsync(
        MqttClientOptions options, Action<MqttClient>? beforeConnect = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        beforeConnect?.Invoke((MqttClient)client);
        try
        {
            var result = await client.ConnectAsync(options, CancellationToken.None);
            return (client, result, null);
        }
        catch (Exception e)
        {
            return (client, null, e);
        }
    }

    public static async Task<IMqttClient> ConnectOrThrowAsync(MqttClientOptions options, Action<MqttClient>? beforeConnect = null)
    {
        var (client, result, error) = await ConnectAsync(options, beforeConnect);
        if (error is not null)
            throw new InvalidOperationException($"connect failed: {error.Message}", error);
        if (result!.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"connect refused: {result.ResultCode} {result.ReasonString}");
        return client;
    }
}
