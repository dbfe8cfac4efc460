using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>The bridge driven by clients it did not write: Mosquitto's mosquitto_pub and mosquitto_sub.</summary>
public sealed class MosquittoClientTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private const string Pub = "/usr/bin/mosquitto_pub";
    private const string Sub = "/usr/bin/mosquitto_sub";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestBridge Bridge => fixture.Bridge;

    [Theory]
    [InlineData("5")]
    [InlineData("311")]
    public async Task Mosquitto_pub_publishes_telemetry_with_qos1(string version)
    {
        var device = await Bridge.AddDeviceAsync();
        var result = await ExternalProcess.RunAsync(Pub, [
            "-h", "127.0.0.1", "-p", Bridge.Endpoints.TcpPort!.Value.ToString(), "-V", version,
            "-i", device.DeviceId, "-u", device.DeviceId, "-P", device.Token,
            "-t", $"devices/{device.DeviceId}/telemetry", "-q", "1", "-m", """{"seq":5,"temperature":19.25}""",
        ], Timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        var record = (await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId))[0].Value;
        Assert.Equal(19.25, record.Metrics["temperature"]);
        Assert.Equal(5UL, record.Seq);
    }

    [Fact]
    public async Task Mosquitto_pub_with_a_fleet_client_certificate_over_tls()
    {
        var device = await Bridge.AddDeviceAsync(certificate: true);
        var dir = Directory.CreateTempSubdirectory("bridge-mosquitto-tls-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "ca.crt"), device.CaCertificatePem);
            await File.WriteAllTextAsync(Path.Combine(dir, "device.crt"), device.Certificate!.CertificatePem);
            await File.WriteAllTextAsync(Path.Combine(dir, "device.key"), device.Certificate.PrivateKeyPem);
            var result = await ExternalProcess.RunAsync(Pub, [
                "-h", "localhost", "-p", Bridge.Endpoints.TlsPort!.Value.ToString(), "-V", "5",
                "--cafile", Path.Combine(dir, "ca.crt"), "--cert", Path.Combine(dir, "device.crt"), "--key", Path.Combine(dir, "device.key"),
                "-i", device.DeviceId, "-t", $"devices/{device.DeviceId}/telemetry", "-q", "1", "-m", """{"tls":1}""",
            ], Timeout);

            Assert.True(result.ExitCode == 0, result.ToString());
            await Bridge.WaitForRecordsAsync<TelemetryRecord>(Bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId && r.Metrics.ContainsKey("tls"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Mosquitto_pub_outside_the_prefix_is_refused_and_recorded()
    {
        var device = await Bridge.AddDeviceAsync();
        var result = await ExternalProcess.RunAsync(Pub, [
            "-h", "127.0.0.1", "-p", Bridge.Endpoints.TcpPort!.Value.ToString(), "-V", "5",
            "-i", device.DeviceId, "-u", device.DeviceId, "-P", device.Token,
            "-t", "devices/someone-else/telemetry", "-q", "1", "-m", """{"v":1}""",
        ], Timeout);

        Assert.Contains("not authorized", result.Stderr + result.Stdout, StringComparison.OrdinalIgnoreCase);
        var rejected = await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.NotAuthorized);
        Assert.Equal("devices/someone-else/telemetry", rejected.Topic);
    }

    [Fact]
    public async Task Mosquitto_pub_with_a_wrong_token_is_refused_at_connect()
    {
        var device = await Bridge.AddDeviceAsync();
        var result = await ExternalProcess.RunAsync(Pub, [
            "-h", "127.0.0.1", "-p", Bridge.Endpoints.TcpPort!.Value.ToString(), "-V", "5",
            "-i", device.DeviceId, "-u", device.DeviceId, "-P", "not-the-token",
            "-t", $"devices/{device.DeviceId}/telemetry", "-q", "1", "-m", """{"v":1}""",
        ], Timeout);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("bad user name or password", result.Stderr + result.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Mosquitto_sub_outside_the_prefix_is_denied()
    {
        var device = await Bridge.AddDeviceAsync();
        var result = await ExternalProcess.RunAsync(Sub, [
            "-h", "127.0.0.1", "-p", Bridge.Endpoints.TcpPort!.Value.ToString(), "-V", "5",
            "-i", device.DeviceId, "-u", device.DeviceId, "-P", device.Token, "-t", "devices/#", "-C", "1", "-W", "10",
        ], Timeout);
        // mosquitto_sub reports the refused SUBACK and stops (it exits 0: it was told no, it did not fail).
        Assert.Contains("denied", result.Stderr + result.Stdout, StringComparison.OrdinalIgnoreCase);
        await Bridge.WaitForRejectionAsync(device.DeviceId, Reason.NotAuthorized);
    }
}
