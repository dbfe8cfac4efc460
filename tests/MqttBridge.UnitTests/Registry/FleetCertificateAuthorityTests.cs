using System.Net;
using System.Security.Cryptography.X509Certificates;
using Pipeline.DeviceRegistry;

namespace Pipeline.MqttBridge.UnitTests.Registry;

public sealed class FleetCertificateAuthorityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fleet-ca-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private static X509Certificate2 Load(IssuedCertificate issued) => X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);

    [Fact]
    public void The_ca_is_created_once_with_a_private_key_file_only_the_owner_can_read()
    {
        using var first = FleetCertificateAuthority.LoadOrCreate(_dir);
        using var second = FleetCertificateAuthority.LoadOrCreate(_dir);
        Assert.Equal(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
        Assert.True(second.CanIssue);
        Assert.Equal(Path.Combine(_dir, "ca.crt"), first.CertificatePath);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "ca.key")));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(_dir, "ca.crt")));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(Path.Combine(_dir, "ca.key")));
    }

    [Fact]
    public void Concurrent_first_starts_agree_on_one_ca()
    {
        var thumbprints = Enumerable.Range(0, 4).AsParallel().Select(_ =>
        {
            using var ca = FleetCertificateAuthority.LoadOrCreate(_dir);
            return ca.Certificate.Thumbprint;
        }).Distinct().ToList();
        Assert.Single(thumbprints);
    }

    [Fact]
    public void A_device_certificate_names_the_device_and_validates()
    {
        using var ca = FleetCertificateAuthority.CreateEphemeral();
        var issued = ca.IssueDeviceCertificate("sensor-1");
        using var cert = Load(issued);
        Assert.Equal("sensor-1", cert.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(FleetCertificateAuthority.Thumbprint(cert), issued.Sha256Thumbprint);
        var check = ca.ValidateClientCertificate(cert);
        Assert.True(check.IsValid, check.Failure);
        Assert.Equal("sensor-1", check.DeviceId);
    }

    [Fact]
    public void A_certificate_from_another_ca_is_refused()
    {
        using var fleet = FleetCertificateAuthority.CreateEphemeral();
        using var other = FleetCertificateAuthority.CreateEphemeral("Pipeline Fleet CA"); // same name, different key
        using var cert = Load(other.IssueDeviceCertificate("sensor-1"));
        var check = fleet.ValidateClientCertificate(cert);
        Assert.False(check.IsValid);
        Assert.Contains("not issued by the fleet CA", check.Failure);
    }

    [Fact]
    public void An_expired_certificate_is_refused_as_expired()
    {
        using var ca = FleetCertificateAuthority.CreateEphemeral();
        using var cert = Load(ca.IssueDeviceCertificate("sensor-1", DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddMinutes(-1)));
        var check = ca.ValidateClientCertificate(cert);
        Assert.False(check.IsValid);
        Assert.Contains("expired", check.Failure);
    }

    [Fact]
    public void A_server_certificate_is_not_a_client_certificate()
    {
        using var ca = FleetCertificateAuthority.CreateEphemeral();
        using var server = ca.IssueServerCertificate(["localhost"], [IPAddress.Loopback], TimeSpan.FromDays(1));
        Assert.False(ca.ValidateClientCertificate(server).IsValid);
    }

    [Fact]
    public void A_self_signed_certificate_is_refused()
    {
        using var selfSigned = FleetCertificateAuthority.CreateEphemeral("sensor-1").Certificate;
        using var ca = FleetCertificateAuthority.CreateEphemeral();
        Assert.False(ca.ValidateClientCertificate(selfSigned).IsValid);
    }

    [Fact]
    public void The_server_certificate_covers_localhost_and_127_0_0_1_and_is_reused()
    {
        using var ca = FleetCertificateAuthority.LoadOrCreate(_dir);
        using var first = ca.LoadOrIssueServerCertificate(_dir, ["localhost"], [IPAddress.Loopback]);
        using var second = ca.LoadOrIssueServerCertificate(_dir, ["localhost"], [IPAddress.Loopback]);
        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.True(first.HasPrivateKey);
        Assert.True(first.MatchesHostname("localhost"));
        Assert.True(first.MatchesHostname("127.0.0.1"));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(first));
    }

    [Fact]
    public void A_ca_loaded_without_its_key_validates_but_cannot_issue()
    {
        using (FleetCertificateAuthority.LoadOrCreate(_dir)) { }
        using var readOnly = FleetCertificateAuthority.Load(Path.Combine(_dir, "ca.crt"), keyPath: null);
        Assert.False(readOnly.CanIssue);
        Assert.Throws<InvalidOperationException>(() => readOnly.IssueDeviceCertificate("x"));
    }

    [Fact]
    public void An_invalid_device_id_gets_no_certificate()
    {
        using var ca = FleetCertificateAuthority.CreateEphemeral();
        Assert.Throws<DeviceRegistryException>(() => ca.IssueDeviceCertificate("a/b"));
    }
}
