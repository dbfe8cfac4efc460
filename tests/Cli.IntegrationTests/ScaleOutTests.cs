using System.Text.Json;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// `up --bridges 2 --processors 2 --sinks 2`: devices publish QoS 1 with mosquitto_pub to the one public MQTT address,
/// HAProxy spreads them over both bridges, the processors and sinks share the partitions, every row is stored once,
/// and `status` shows every instance and the balancer.
/// </summary>
public sealed class ScaleOutTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_instance_count_out_of_range_is_refused_naming_the_option_before_anything_starts()
    {
        using var home = new CliHome();
        UpTests.UseFreePorts(home);
        await using var up = await CliProcess.RunAsync(home, "up", "--processors", "0");

        Assert.True(up.ExitCode == 2, $"exit code {up.ExitCode}: {up.Stdout}{up.Stderr}");
        Assert.Contains("--processors must be between 1 and 16 (was 0).", up.Stdout + up.Stderr);
        Assert.False(File.Exists(home.EndpointsFile), "nothing started");
    }

    [Fact]
    public async Task Devices_behind_the_balancer_reach_both_bridges_and_every_row_is_stored_once()
    {
        using var home = new CliHome();
        UpTests.UseFreePorts(home);
        home.Environment["PIPELINE__Services__BalancerHttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var up = CliProcess.Start(home, "up", "--fresh", "--bridges", "2", "--processors", "2", "--sinks", "2");
        await UpTests.WaitForEndpointsAsync(home, up);

        // Devices keep the one public address: the balancer's.
        var endpoints = JsonDocument.Parse(File.ReadAllText(home.EndpointsFile)).RootElement;
        Assert.Equal($"127.0.0.1:{home.Environment["PIPELINE__Listeners__TcpPort"]}", endpoints.GetProperty("mqtt").GetString());
        Assert.True(File.Exists(Path.Combine(home.StateDir, "balancer", "haproxy.cfg")), "up generates the balancer's configuration into its state folder");

        const int devices = 5, messages = 20;
        var tokens = new Dictionary<string, string>();
        for (var d = 0; d < devices; d++)
        {
            await using var add = await CliProcess.RunAsync(home, "devices", "add", $"scale-{d}", "--json");
            Assert.True(add.ExitCode == 0, add.Stderr);
            tokens[$"scale-{d}"] = JsonDocument.Parse(add.Stdout).RootElement.GetProperty("token").GetString()!;
        }
        // All devices at once, each one connection publishing its messages QoS 1 (mosquitto_pub -l: one per line) and
        // exiting 0 only when every PUBACK came. A bridge that does not know the device yet refuses the CONNECT, so
        // nothing was sent and the whole run is repeated.
        await Task.WhenAll(tokens.Select(device => Eventually.HoldsAsync(async () => (await ExternalTool.TryRunAsync("mosquitto_pub",
                ["-h", "127.0.0.1", "-p", home.Environment["PIPELINE__Listeners__TcpPort"], "-V", "mqttv5", "-i", device.Key, "-u", device.Key,
                    "-P", device.Value, "-q", "1", "-t", $"devices/{device.Key}/telemetry", "-l"],
                string.Concat(Enumerable.Range(1, messages).Select(seq => $"{{\"seq\":{seq},\"temperature\":{seq}}}\n")))).Exit,
            exit => exit == 0, Patience, $"{device.Key}'s messages are acknowledged through the balancer")));

        await Eventually.HoldsAsync(() => UpTests.CountAsync(home, "SELECT count() FROM iot.telemetry WHERE device_id LIKE 'scale-%'"),
            n => n == devices * messages, Patience, $"iot.telemetry holds the {devices * messages} acknowledged messages");
        Assert.Equal(devices * messages, await UpTests.CountAsync(home, "SELECT uniqExact(device_id, seq) FROM iot.telemetry WHERE device_id LIKE 'scale-%'"));
        // The balancer spread the devices' connections over both bridges (each records its connects under its own instance id).
        await Eventually.HoldsAsync(() => UpTests.CountAsync(home, "SELECT uniqExact(instance) FROM iot.connectivity WHERE event = 'connect' AND device_id LIKE 'scale-%'"),
            n => n == 2, Patience, "devices connected to both bridges");

        await using (var status = await CliProcess.RunAsync(home, "status", "--once"))
        {
            Assert.True(status.ExitCode == 0, status.Stderr);
            foreach (var instance in new[] { "mqtt-bridge-1", "mqtt-bridge-2", "balancer", "rules-processor-1", "rules-processor-2", "sink-writer-1", "sink-writer-2" })
                Assert.Contains(instance, status.Stdout);
            Assert.DoesNotContain("not answering", status.Stdout);
        }
        Assert.True(File.Exists(Path.Combine(home.StateDir, "logs", "rules-processor-2.log")), "each instance has its own log file");

        up.Signal(CliProcess.SigTerm);
        await up.WaitForExitAsync(Patience);
        Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        Assert.DoesNotContain("still had", up.Stdout);
    }
}
