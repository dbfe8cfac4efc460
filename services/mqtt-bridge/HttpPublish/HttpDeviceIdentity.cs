using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;
using Pipeline.MqttBridge.Listeners;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.HttpPublish;

/// <summary>Who an HTTP publish comes from, or why it is refused (HTTP status and a reason for the caller).</summary>
/// <param name="RegistryMiss">Refused because this instance's registry view does not know the device or its token (yet).</param>
public sealed record HttpIdentity(string? DeviceId, int Status, string? Failure, bool RegistryMiss = false)
{
    public static HttpIdentity Device(string deviceId) => new(deviceId, StatusCodes.Status200OK, null);
    public static HttpIdentity Refused(int status, string failure) => new(null, status, failure);
    public static HttpIdentity Unknown(int status, string failure) => new(null, status, failure, RegistryMiss: true);
}

/// <summary>
/// The device behind an HTTP publish: its fleet client certificate (CN = device id, checked against the fleet
/// CA as on the MQTT TLS listener), or, where Listeners:HttpsAllowDeviceTokens allows it, Authorization: Bearer
/// &lt;token&gt; for the device named by the topic. Unknown ids and wrong tokens get the same answer, and every
/// refusal counts against the address in the same throttle as MQTT CONNECTs.
/// </summary>
public sealed class HttpDeviceIdentity(DeviceRegistryView registry, TokenVerificationCache tokens, ConnectThrottle throttle,
    TlsMaterialProvider tls, IOptions<ListenersOptions> listeners)
{
    public async ValueTask<HttpIdentity> IdentifyAsync(X509Certificate2? certificate, string authorization, string topic, IPAddress? remote)
    {
        if (certificate is null && throttle.IsThrottled(remote))
            return HttpIdentity.Refused(StatusCodes.Status429TooManyRequests, "too many refused requests from this address; try again later");
        var identity = Decide(certificate, authorization, topic);
        // As for a CONNECT (DeviceAuthenticator): a device registered a moment ago is not refused as a stranger.
        if (identity.RegistryMiss && await registry.CatchUpAsync(DeviceAuthenticator.RegistryCatchUp).ConfigureAwait(false))
            identity = Decide(certificate, authorization, topic);
        if (identity.DeviceId is null)
            throttle.RecordFailure(remote);
        return identity;
    }

    private HttpIdentity Decide(X509Certificate2? certificate, string authorization, string topic)
    {
        if (certificate is not null)
        {
            var check = tls.Material.Ca.ValidateClientCertificate(certificate);
            if (!check.IsValid)
                return HttpIdentity.Refused(StatusCodes.Status403Forbidden, $"client certificate refused: {check.Failure}");
            if (!registry.TryGet(check.DeviceId!, out var record))
                return HttpIdentity.Unknown(StatusCodes.Status403Forbidden, "the certificate's device is not registered");
            return record.Revoked
                ? HttpIdentity.Refused(StatusCodes.Status403Forbidden, "this device is revoked")
                : HttpIdentity.Device(check.DeviceId!);
        }
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return HttpIdentity.Refused(StatusCodes.Status401Unauthorized, listeners.Value.HttpsAllowDeviceTokens
                ? "present the device's fleet client certificate, or Authorization: Bearer <device token>"
                : "present the device's fleet client certificate");
        if (!listeners.Value.HttpsAllowDeviceTokens)
            return HttpIdentity.Refused(StatusCodes.Status401Unauthorized,
                "device tokens are not accepted over HTTP here (Listeners:HttpsAllowDeviceTokens); present the device's fleet client certificate");
        // The token proves the device the topic names; the topic policy then confines it to its own topics.
        var parts = topic.Split('/');
        var deviceId = parts.Length >= 3 && parts[0] == "devices" ? parts[1] : "";
        var token = authorization[scheme.Length..].Trim();
        if (!DeviceIds.IsValid(deviceId) || !registry.TryGet(deviceId, out var device) || !tokens.Verify(device, token))
            return HttpIdentity.Unknown(StatusCodes.Status401Unauthorized, "bad device id or token (the device id is the topic's second level)");
        return device.Revoked
            ? HttpIdentity.Refused(StatusCodes.Status403Forbidden, "this device is revoked")
            : HttpIdentity.Device(deviceId);
    }
}
