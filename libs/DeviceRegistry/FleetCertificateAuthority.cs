using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pipeline.DeviceRegistry;

/// <summary>
/// The fleet's own certificate authority (System.Security.Cryptography only, no OpenSSL): it signs
/// the bridge's TLS server certificate and device client certificates (CN = device id), and is the
/// only root trusted when a device presents a client certificate. Keys are ECDSA P-256, written as
/// PKCS#8 PEM with file mode 0600.
/// </summary>
public sealed class FleetCertificateAuthority : IDisposable
{
    public const string DefaultDirectory = ".pipeline/ca";
    public const string CaCertificateFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private readonly X509Certificate2 _ca;

    private FleetCertificateAuthority(X509Certificate2 ca, string? certificatePath)
    {
        _ca = ca;
        CertificatePath = certificatePath;
    }

    /// <summary>The CA certificate (with its private key when this instance can issue).</summary>
    public X509Certificate2 Certificate => _ca;

    /// <summary>Absolute path of ca.crt when the CA lives on disk.</summary>
    public string? CertificatePath { get; }

    public bool CanIssue => _ca.HasPrivateKey;

    public string CertificatePem => _ca.ExportCertificatePem();

    /// <summary>
    /// Loads the CA from <paramref name="directory"/> (ca.crt + ca.key) or creates it there on first
    /// use. Safe when several processes start at once: creation happens under an exclusive lock file.
    /// </summary>
    public static FleetCertificateAuthority LoadOrCreate(string directory = DefaultDirectory)
    {
        directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(directory);
        var certPath = Path.Combine(directory, CaCertificateFile);
        var keyPath = Path.Combine(directory, CaKeyFile);
        using (DirectoryLock.Acquire(directory))
        {
            if (!File.Exists(certPath) || !File.Exists(keyPath))
            {
                if (File.Exists(certPath) != File.Exists(keyPath))
                    throw new InvalidOperationException(
                        $"The fleet CA in {directory} is incomplete: one of {CaCertificateFile} and {CaKeyFile} is missing. Restore it or remove both to create a new CA (existing device certificates then stop working).");
                using var created = CreateCa();
                PemFiles.WriteNew(certPath, created.ExportCertificatePem(), privateFile: false);
                PemFiles.WriteNew(keyPath, created.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(), privateFile: true);
            }
        }
        return Load(certPath, keyPath);
    }

    /// <summary>Uses a CA the operator supplies. Without a key file the CA can only validate, not issue.</summary>
    public static FleetCertificateAuthority Load(string certificatePath, string? keyPath)
    {
        try
        {
            var cert = keyPath is null
                ? X509CertificateLoader.LoadCertificateFromFile(certificatePath)
                : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            return new FleetCertificateAuthority(cert, Path.GetFullPath(certificatePath));
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException($"Cannot load the fleet CA from {certificatePath}{(keyPath is null ? "" : " and " + keyPath)}: {e.Message}", e);
        }
    }

    /// <summary>An in-memory CA (tests, or a second CA a test uses as "another CA").</summary>
    public static FleetCertificateAuthority CreateEphemeral(string name = "Pipeline Fleet CA") => new(CreateCa(name), null);

    /// <summary>A TLS server certificate for the given DNS names and IP addresses, with its private key.</summary>
    public X509Certificate2 IssueServerCertificate(IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pipeline-mqtt-bridge", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames) san.AddDnsName(name);
        foreach (var address in addresses) san.AddIpAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        return Sign(request, key, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow + validity);
    }

    /// <summary>A server certificate kept next to the CA (server.crt/server.key), re-issued when missing or within 30 days of expiry.</summary>
    public X509Certificate2 LoadOrIssueServerCertificate(string directory, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses)
    {
        directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(directory);
        var certPath = Path.Combine(directory, "server.crt");
        var keyPath = Path.Combine(directory, "server.key");
        using (DirectoryLock.Acquire(directory))
        {
            if (File.Exists(certPath) && File.Exists(keyPath))
            {
                var existing = X509Certificate2.CreateFromPemFile(certPath, keyPath);
                if (existing.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddDays(30) && existing.Issuer == _ca.Subject
                    && IsSignedByThisCa(existing))
                    return existing;
                existing.Dispose();
                File.Delete(certPath);
                File.Delete(keyPath);
            }
            var issued = IssueServerCertificate(dnsNames, addresses, TimeSpan.FromDays(825));
            PemFiles.WriteNew(certPath, issued.ExportCertificatePem(), privateFile: false);
            PemFiles.WriteNew(keyPath, issued.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(), privateFile: true);
            return issued;
        }
    }

    /// <summary>A client certificate for a device: CN = device id, client-auth usage, signed by this CA.</summary>
    public IssuedCertificate IssueDeviceCertificate(string deviceId, TimeSpan? validity = null) =>
        IssueDeviceCertificate(deviceId, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow + (validity ?? TimeSpan.FromDays(365)));

    /// <summary>As above with explicit validity bounds (tests use this to make an expired certificate).</summary>
    public IssuedCertificate IssueDeviceCertificate(string deviceId, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        DeviceIds.Validate(deviceId);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(deviceId);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        using var cert = Sign(request, key, notBefore, notAfter);
        return new IssuedCertificate(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(),
            Thumbprint(cert), cert.NotAfter.ToUniversalTime());
    }

    /// <summary>
    /// Checks that <paramref name="certificate"/> chains to this CA (and only this CA), is within its
    /// validity period, is meant for client authentication, and names a well-formed device id as CN.
    /// </summary>
    public ClientCertificateCheck ValidateClientCertificate(X509Certificate2? certificate)
    {
        if (certificate is null)
            return ClientCertificateCheck.Invalid("no client certificate was presented");
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthOid));
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(certificate))
            return ClientCertificateCheck.Invalid(DescribeChainFailure(chain, certificate));
        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(_ca.RawDataMemory.Span))
            return ClientCertificateCheck.Invalid("the certificate does not chain to the fleet CA");
        var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (!DeviceIds.IsValid(cn))
            return ClientCertificateCheck.Invalid("the certificate's CN is not a valid device id");
        return ClientCertificateCheck.Valid(cn);
    }

    /// <summary>SHA-256 of the certificate's DER bytes, lower-case hex (what DeviceRecord.certificate_thumbprint holds).</summary>
    public static string Thumbprint(X509Certificate2 certificate) =>
        Convert.ToHexStringLower(SHA256.HashData(certificate.RawDataMemory.Span));

    public void Dispose() => _ca.Dispose();

    private static string DescribeChainFailure(X509Chain chain, X509Certificate2 certificate)
    {
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
            return certificate.NotAfter < DateTime.Now
                ? $"the client certificate expired at {certificate.NotAfter.ToUniversalTime():u}"
                : $"the client certificate is not valid before {certificate.NotBefore.ToUniversalTime():u}";
        if (flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain))
            return "the client certificate was not issued by the fleet CA";
        if (flags.HasFlag(X509ChainStatusFlags.NotValidForUsage))
            return "the certificate is not valid for client authentication";
        return "the client certificate chain is invalid: " + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
    }

    private bool IsSignedByThisCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(certificate);
    }

    private X509Certificate2 Sign(CertificateRequest request, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        if (!CanIssue)
            throw new InvalidOperationException("This fleet CA was loaded without its private key; it can validate certificates but not issue them.");
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        // A certificate cannot outlive (or predate) the CA that signs it.
        var caNotAfter = new DateTimeOffset(_ca.NotAfter.ToUniversalTime());
        var caNotBefore = new DateTimeOffset(_ca.NotBefore.ToUniversalTime());
        if (notAfter > caNotAfter)
            notAfter = caNotAfter;
        if (notBefore < caNotBefore)
            notBefore = caNotBefore;
        if (notAfter <= notBefore)
            throw new ArgumentException($"The validity period ends ({notAfter:u}) before it starts ({notBefore:u}, the CA's start at the earliest).");
        using var publicOnly = request.Create(_ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        return publicOnly.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 CreateCa(string name = "Pipeline Fleet CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=Pipeline", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        // Round-trip through PEM so the key is a plain exportable key on every platform.
        return X509Certificate2.CreateFromPem(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
