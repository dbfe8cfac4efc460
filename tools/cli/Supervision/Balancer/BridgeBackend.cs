namespace Pipeline.Cli.Supervision.Balancer;

/// <summary>
/// One bridge behind the balancer: the private loopback ports its listeners take instead of the public ones
/// (null where the listener is off), and its HTTP address, whose /healthz the balancer checks.
/// </summary>
public sealed record BridgeBackend(string Name, int? Tcp, int? Tls, int? WebSocket, int? Https, string HttpUrl, int? WebSocketTls = null)
{
    public int HealthPort => new Uri(HttpUrl).Port;

    /// <summary>Private ports for each listener that is on (public port other than -1).</summary>
    public static BridgeBackend Allocate(string name, PublicListeners listeners, string httpUrl) => new(name,
        listeners.Tcp is null ? null : PrivatePorts.Next(),
        listeners.Tls is null ? null : PrivatePorts.Next(),
        listeners.WebSocket is null ? null : PrivatePorts.Next(),
        listeners.Https is null ? null : PrivatePorts.Next(),
        httpUrl,
        listeners.WebSocketTls is null ? null : PrivatePorts.Next());

    /// <summary>The listener settings this bridge instance gets: its private ports on loopback (-1 for a listener that is off).</summary>
    public IEnumerable<(string Key, string Value)> ListenerSettings()
    {
        yield return ("PIPELINE__Listeners__BindAddress", "127.0.0.1");
        yield return ("PIPELINE__Listeners__TcpPort", (Tcp ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("PIPELINE__Listeners__TlsPort", (Tls ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("PIPELINE__Listeners__WebSocketPort", (WebSocket ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("PIPELINE__Listeners__HttpsPort", (Https ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("PIPELINE__Listeners__WebSocketTlsPort", (WebSocketTls ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>The public listeners devices connect to (Listeners:* of `up`'s configuration); null = off (-1).</summary>
public sealed record PublicListeners(string BindAddress, int? Tcp, int? Tls, int? WebSocket, int? Https, int? WebSocketTls = null)
{
    public static PublicListeners From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        int? Port(string key, int? fallback)
        {
            var text = configuration["Listeners:" + key];
            if (text is null) return fallback;
            if (!int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < -1 or > 65535 || port == 0)
                throw new CliException($"Listeners:{key} must be a port (1-65535) or -1 (off) when a load balancer holds it; was '{text}'.", 78);
            return port == -1 ? null : port;
        }
        return new PublicListeners(configuration["Listeners:BindAddress"] is { Length: > 0 } bind ? bind : "127.0.0.1",
            Port("TcpPort", 1883), Port("TlsPort", 8883), Port("WebSocketPort", 8083), Port("HttpsPort", 8443),
            // MQTT over secure WebSocket is off unless set, as on the bridge itself.
            Port("WebSocketTlsPort", null));
    }
}
