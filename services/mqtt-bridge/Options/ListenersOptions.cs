using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Pipeline.MqttBridge.Options;

/// <summary>Where devices connect. Section "Listeners". A port of 0 picks a free port; -1 turns the listener off.</summary>
public sealed class ListenersOptions : IValidatableObject
{
    public const string SectionName = "Listeners";

    [Required(ErrorMessage = "Listeners:BindAddress must be an IP address to listen on, e.g. 127.0.0.1.")]
    public string BindAddress { get; set; } = "127.0.0.1";

    [Range(-1, 65535, ErrorMessage = "Listeners:TcpPort must be 0-65535 (0 = any free port) or -1 (off).")]
    public int TcpPort { get; set; } = 1883;

    [Range(-1, 65535, ErrorMessage = "Listeners:TlsPort must be 0-65535 (0 = any free port) or -1 (off).")]
    public int TlsPort { get; set; } = 8883;

    [Range(-1, 65535, ErrorMessage = "Listeners:WebSocketPort must be 0-65535 (0 = any free port) or -1 (off).")]
    public int WebSocketPort { get; set; } = 8083;

    /// <summary>
    /// MQTT over WebSocket with TLS (wss://, same path, server certificate and fleet CA as the TLS listener; a client
    /// certificate is asked for and, when given, identifies the device as on 8883). Off by default (-1) so that a
    /// development run opens no port it does not need; the production compose file turns it on (8084).
    /// </summary>
    [Range(-1, 65535, ErrorMessage = "Listeners:WebSocketTlsPort must be 0-65535 (0 = any free port) or -1 (off).")]
    public int WebSocketTlsPort { get; set; } = -1;

    [RegularExpression("^/[A-Za-z0-9/_.-]*$", ErrorMessage = "Listeners:WebSocketPath must be a URL path starting with '/', e.g. /mqtt.")]
    public string WebSocketPath { get; set; } = "/mqtt";

    /// <summary>Where the fleet CA (ca.crt, ca.key) and the generated server certificate live.</summary>
    [Required(ErrorMessage = "Listeners:CaDirectory must name the fleet CA directory, e.g. .pipeline/ca.")]
    public string CaDirectory { get; set; } = ".pipeline/ca";

    /// <summary>An operator-supplied CA certificate (PEM) that device certificates must chain to, instead of the generated one.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>The CA's private key; only needed if this bridge should issue its own server certificate from it.</summary>
    public string? CaKeyPath { get; set; }

    /// <summary>An operator-supplied TLS server certificate (PEM) and key, instead of one issued by the fleet CA.</summary>
    public string? ServerCertificatePath { get; set; }

    public string? ServerKeyPath { get; set; }

    /// <summary>Extra DNS names for the generated server certificate (localhost and 127.0.0.1 are always in it).</summary>
    public List<string> ServerNames { get; set; } = [];

    /// <summary>When true, the TLS listener refuses clients without a fleet client certificate at the handshake.</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>
    /// HTTPS for devices (POST /topics/&lt;topic&gt;, AWS IoT Core's HTTPS device gateway) and the operator APIs, on the
    /// bridge's ASP.NET Core app with the same server certificate and fleet CA as MQTT over TLS (0 = any free port, -1 = off).
    /// </summary>
    [Range(-1, 65535, ErrorMessage = "Listeners:HttpsPort must be 0-65535 (0 = any free port) or -1 (off).")]
    public int HttpsPort { get; set; } = 8443;

    /// <summary>
    /// Whether HTTP publish also accepts Authorization: Bearer &lt;device token&gt; (device id from the topic). Off by
    /// default: like AWS IoT Core's HTTPS gateway, a device proves itself with its client certificate; `up` turns it on.
    /// </summary>
    public bool HttpsAllowDeviceTokens { get; set; }

    /// <summary>
    /// How long a qos=1 HTTP publish waits for Kafka's acknowledgement before it answers 503. MQTT simply withholds
    /// the PUBACK and the device resends; an HTTP client would otherwise hang for as long as Kafka is away.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Listeners:HttpsPublishAckTimeout must be between 1 s and 5 min.")]
    public TimeSpan HttpsPublishAckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Listeners:HandshakeTimeout must be between 1 s and 5 min.")]
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(BindAddress, out _))
            yield return new ValidationResult($"Listeners:BindAddress '{BindAddress}' is not an IP address.", [nameof(BindAddress)]);
        if (string.IsNullOrEmpty(ServerCertificatePath) != string.IsNullOrEmpty(ServerKeyPath))
            yield return new ValidationResult("Listeners:ServerCertificatePath and Listeners:ServerKeyPath go together: set both or neither.",
                [nameof(ServerCertificatePath), nameof(ServerKeyPath)]);
        if (!string.IsNullOrEmpty(CaKeyPath) && string.IsNullOrEmpty(CaCertificatePath))
            yield return new ValidationResult("Listeners:CaKeyPath needs Listeners:CaCertificatePath.", [nameof(CaKeyPath)]);
        if (!string.IsNullOrEmpty(CaCertificatePath) && string.IsNullOrEmpty(CaKeyPath) && string.IsNullOrEmpty(ServerCertificatePath) && (TlsPort >= 0 || HttpsPort >= 0 || WebSocketTlsPort >= 0))
            yield return new ValidationResult(
                "Listeners:CaCertificatePath without Listeners:CaKeyPath cannot issue a server certificate: also set Listeners:ServerCertificatePath/ServerKeyPath (or Listeners:TlsPort, Listeners:HttpsPort and Listeners:WebSocketTlsPort = -1).",
                [nameof(CaCertificatePath)]);
        foreach (var path in new[] { CaCertificatePath, CaKeyPath, ServerCertificatePath, ServerKeyPath })
            if (!string.IsNullOrEmpty(path) && !File.Exists(path))
                yield return new ValidationResult($"Listeners: the file '{path}' does not exist.", [nameof(CaCertificatePath)]);
    }
}
