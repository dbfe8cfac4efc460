using System.Net;
using MQTTnet.Protocol;
using Pipeline.DeviceRegistry;

namespace Pipeline.MqttBridge.Auth;

/// <summary>What a CONNECT offers as proof of identity.</summary>
public sealed record ConnectAttempt(string? ClientId, string? UserName, string? Password, string? CertificateDeviceId, IPAddress? RemoteAddress);

/// <summary>
/// contract.md's identity rules: a device proves its id with username = id and password = token,
/// or with a fleet client certificate whose CN is the id (already checked during the TLS handshake);
/// the client id must equal the proven id. Unknown ids and wrong tokens get the same answer (0x86),
/// so the bridge never tells a stranger which ids exist; a revoked device that proves itself gets
/// 0x87. Every refusal for the client's credentials or id counts against the remote address; 0x88 (the bridge
/// itself not ready) does not.
/// </summary>
public sealed class DeviceAuthenticator(DeviceRegistryView registry, ConnectThrottle throttle, TokenVerificationCache tokens, Func<bool>? kafkaReady = null)
{
    /// <summary>How long a CONNECT whose device or token this instance does not know waits for the registry to catch up.</summary>
    public static readonly TimeSpan RegistryCatchUp = TimeSpan.FromSeconds(2);

    public async ValueTask<ConnectDecision> AuthenticateAsync(ConnectAttempt attempt)
    {
        // A device proven by its fleet certificate (checked at the TLS handshake) is not held back by other
        // clients' failures from the same address.
        if (attempt.CertificateDeviceId is null && throttle.IsThrottled(attempt.RemoteAddress))
            return ConnectDecision.Refuse(MqttConnectReasonCode.ConnectionRateExceeded,
                "too many refused connects from this address; try again later", "throttled");
        var decision = Decide(attempt);
        // `devices add` returns once iot.devices has the record; this instance reads it a moment later. A device
        // connecting at once (a provisioning script) would be refused as a stranger: first read the registry up
        // to what was written before this CONNECT, then decide again. A stranger's refusal waits that long too.
        if (decision.MetricLabel is "bad_credentials" or "unknown_device" && await registry.CatchUpAsync(RegistryCatchUp).ConfigureAwait(false))
            decision = Decide(attempt);
        // "Server unavailable" is the bridge's own state (starting, Kafka away), not a client's guess: a fleet
        // reconnecting to a restarted bridge must not lock its shared (NAT) address out by being early.
        if (!decision.Accepted && decision.Code != MqttConnectReasonCode.ServerUnavailable)
            throttle.RecordFailure(attempt.RemoteAddress);
        return decision;
    }

    private ConnectDecision Decide(ConnectAttempt attempt)
    {
        if (!registry.IsReady)
            return ConnectDecision.Refuse(MqttConnectReasonCode.ServerUnavailable, "the device registry is still loading", "registry_not_ready");
        if (kafkaReady is not null && !kafkaReady())
            return ConnectDecision.Refuse(MqttConnectReasonCode.ServerUnavailable, "the bridge is not connected to Kafka yet", "kafka_not_ready");

        string deviceId;
        if (attempt.CertificateDeviceId is { } certificateId)
        {
            if (!string.IsNullOrEmpty(attempt.UserName) && attempt.UserName != certificateId)
                return ConnectDecision.Refuse(MqttConnectReasonCode.NotAuthorized,
                    "the username does not match the client certificate's device id", "certificate_mismatch");
            deviceId = certificateId;
            if (!registry.TryGet(deviceId, out var record))
                return ConnectDecision.Refuse(MqttConnectReasonCode.NotAuthorized, "the certificate's device is not registered", "unknown_device");
            if (!string.IsNullOrEmpty(attempt.Password) && !tokens.Verify(record, attempt.Password))
                return ConnectDecision.Refuse(MqttConnectReasonCode.BadUserNameOrPassword, "bad device id or token", "bad_credentials");
            if (record.Revoked)
                return ConnectDecision.Refuse(MqttConnectReasonCode.NotAuthorized, "this device is revoked", "revoked");
        }
        else
        {
            if (string.IsNullOrEmpty(attempt.UserName) || string.IsNullOrEmpty(attempt.Password))
                return ConnectDecision.Refuse(MqttConnectReasonCode.BadUserNameOrPassword,
                    "give username = device id and password = token, or a fleet client certificate", "no_credentials");
            deviceId = attempt.UserName;
            if (!registry.TryGet(deviceId, out var record) || !tokens.Verify(record, attempt.Password))
                return ConnectDecision.Refuse(MqttConnectReasonCode.BadUserNameOrPassword, "bad device id or token", "bad_credentials");
            if (record.Revoked)
                return ConnectDecision.Refuse(MqttConnectReasonCode.NotAuthorized, "this device is revoked", "revoked");
        }

        if (attempt.ClientId != deviceId)
            return ConnectDecision.Refuse(MqttConnectReasonCode.ClientIdentifierNotValid,
                "the client id must equal the device id", "client_id_mismatch");
        return ConnectDecision.Accept(deviceId);
    }
}
