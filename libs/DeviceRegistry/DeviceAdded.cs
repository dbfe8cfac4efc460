using Pipeline.Contracts;

namespace Pipeline.DeviceRegistry;

/// <summary>
/// What adding a device returns. <see cref="Token"/> is shown to the operator once and stored
/// nowhere; <see cref="Certificate"/> (with its private key) only when one was requested.
/// </summary>
public sealed record DeviceAdded(string DeviceId, string Token, IssuedCertificate? Certificate, string? CaCertificatePem, DeviceRecord Record);
