namespace Pipeline.DeviceRegistry;

/// <summary>A certificate and its private key in PEM, as handed to a device (the key exists nowhere else).</summary>
public sealed record IssuedCertificate(string CertificatePem, string PrivateKeyPem, string Sha256Thumbprint, DateTimeOffset NotAfter);

/// <summary>The outcome of checking a client certificate against the fleet CA.</summary>
public sealed record ClientCertificateCheck(bool IsValid, string? DeviceId, string? Failure)
{
    public static ClientCertificateCheck Valid(string deviceId) => new(true, deviceId, null);
    public static ClientCertificateCheck Invalid(string failure) => new(false, null, failure);
}
