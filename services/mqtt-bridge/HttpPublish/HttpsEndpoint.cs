using Microsoft.AspNetCore.Server.Kestrel.Https;
using Pipeline.MqttBridge.Listeners;
using Pipeline.MqttBridge.Options;
using Pipeline.ServiceDefaults;

namespace Pipeline.MqttBridge.HttpPublish;

/// <summary>
/// Adds the HTTPS endpoint (Listeners:HttpsPort on Listeners:BindAddress) to the bridge's ASP.NET Core app, next to
/// the plain Http:Url: every route (HTTP publish, the shadow API, /healthz, /metrics) answers on both. The server
/// certificate is the MQTT TLS listener's. Kestrel asks for a client certificate but accepts any at the handshake
/// so that a refused one gets a 403 with the reason; HttpDeviceIdentity checks it against the fleet CA.
/// </summary>
public static class HttpsEndpoint
{
    public static WebApplicationBuilder AddBridgeHttps(this WebApplicationBuilder builder, string defaultHttpUrl)
    {
        var listeners = new ListenersOptions();
        builder.Configuration.GetSection(ListenersOptions.SectionName).Bind(listeners);
        if (listeners.HttpsPort < 0)
            return builder;
        var httpUrl = builder.Configuration[$"{ServiceHttpOptions.SectionName}:Url"];
        builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(httpUrl) ? defaultHttpUrl : httpUrl, $"https://{listeners.BindAddress}:{listeners.HttpsPort}");
        builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = kestrel.ApplicationServices.GetRequiredService<TlsMaterialProvider>().Material.ServerCertificate;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (_, _, _) => true;
            https.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
        }));
        return builder;
    }
}
