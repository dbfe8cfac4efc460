using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>`./pipeline devices add|list|revoke` against a running embedded stack.</summary>
public sealed class DevicesTests
{
    [Fact]
    public async Task Devices_are_added_listed_and_revoked_with_clear_refusals()
    {
        using var home = new CliHome();
        await using var devstack = CliProcess.Start(home, "devstack");
        await Eventually.HoldsAsync(() => File.Exists(home.EndpointsFile) || devstack.HasExited, TimeSpan.FromSeconds(60), "devstack is up");
        Assert.False(devstack.HasExited, devstack.Stderr);

        await using (var add = await CliProcess.RunAsync(home, "devices", "add", "sensor-1", "--attr", "site=plant-1", "--attr", "model=t100"))
        {
            Assert.True(add.ExitCode == 0, add.Stderr);
            Assert.Matches("Token \\(shown once.*\\): [A-Za-z0-9_-]{22,}", add.Stdout);
        }

        var certDir = Path.Combine(home.StateDir, "issued");
        await using (var withCert = await CliProcess.RunAsync(home, "devices", "add", "sensor-2", "--cert", certDir, "--json"))
        {
            Assert.True(withCert.ExitCode == 0, withCert.Stderr);
            var json = JsonDocument.Parse(withCert.Stdout).RootElement;
            Assert.Equal("sensor-2", json.GetProperty("deviceId").GetString());
            Assert.True(json.GetProperty("token").GetString()!.Length >= 22, "at least 128 bits of token");
            using var cert = X509Certificate2.CreateFromPemFile(Path.Combine(certDir, "sensor-2.crt"), Path.Combine(certDir, "sensor-2.key"));
            Assert.Equal("sensor-2", cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(certDir, "ca.crt")));
            Assert.Equal(ca.Subject, cert.Issuer);
            Assert.Equal(json.GetProperty("cert").GetString()!.Trim(), File.ReadAllText(Path.Combine(certDir, "sensor-2.crt")).Trim());
        }

        foreach (var (args, expected) in new[]
        {
            (new[] { "devices", "add", "sensor-1" }, "already exists"),
            (["devices", "add", "bad id!"], "is not valid"),
            (["devices", "add", new string('x', 129)], "is not valid"),
            (["devices", "add", "sensor-3", "--attr", "nonsense"], "is not key=value"),
            (["devices", "revoke", "nobody"], "is not registered"),
        })
        {
            await using var refused = await CliProcess.RunAsync(home, args);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains(expected, refused.Stderr);
        }

        await using (var revoke = await CliProcess.RunAsync(home, "devices", "revoke", "sensor-2"))
            Assert.True(revoke.ExitCode == 0, revoke.Stderr);

        await using var list = await CliProcess.RunAsync(home, "devices", "list", "--json");
        var devices = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().ToDictionary(d => d.GetProperty("deviceId").GetString()!);
        Assert.Equal(["sensor-1", "sensor-2"], devices.Keys.Order());
        Assert.False(devices["sensor-1"].GetProperty("revoked").GetBoolean());
        Assert.Equal("plant-1", devices["sensor-1"].GetProperty("attributes").GetProperty("site").GetString());
        Assert.True(devices["sensor-2"].GetProperty("revoked").GetBoolean());
        Assert.DoesNotContain("token", list.Stdout, StringComparison.OrdinalIgnoreCase);
    }
}
