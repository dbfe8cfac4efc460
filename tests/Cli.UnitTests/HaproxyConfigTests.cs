using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Pipeline.Cli.Supervision.Balancer;

namespace Pipeline.Cli.UnitTests;

/// <summary>The balancer configuration `up` generates for several bridges, checked by HAProxy itself (haproxy -c).</summary>
public sealed class HaproxyConfigTests
{
    [Fact]
    public void Unset_listeners_take_the_bridge_defaults_and_secure_websocket_stays_off()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Listeners:WebSocketPort"] = "-1" }).Build();

        var listeners = PublicListeners.From(configuration);

        Assert.Equal(new PublicListeners("127.0.0.1", 1883, 8883, null, 8443, null), listeners);
    }

    [Fact]
    public async Task HAProxy_accepts_the_configuration_and_it_sends_each_public_listener_to_every_bridge()
    {
        var listeners = new PublicListeners("127.0.0.1", Tcp: 1883, Tls: 8883, WebSocket: null, Https: 8443, WebSocketTls: 8084);
        BridgeBackend[] bridges =
        [
            new("mqtt-bridge-1", 20001, 20002, null, 20003, "http://127.0.0.1:20004", WebSocketTls: 20005),
            new("mqtt-bridge-2", 20011, 20012, null, 20013, "http://127.0.0.1:20014", WebSocketTls: 20015),
        ];
        var text = HaproxyConfig.Render(listeners, bridges, "http://127.0.0.1:9104");
        var directory = Directory.CreateTempSubdirectory("haproxy-config-");
        try
        {
            var path = HaproxyConfig.WriteTo(directory.FullName, text);
            var start = new ProcessStartInfo(File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy", ["-c", "-f", path])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var check = Process.Start(start)!;
            var output = await check.StandardOutput.ReadToEndAsync() + await check.StandardError.ReadToEndAsync();
            await check.WaitForExitAsync();
            Assert.True(check.ExitCode == 0, output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        Assert.Contains("bind 127.0.0.1:1883", text);
        Assert.Contains("bind 127.0.0.1:8883", text);
        Assert.Contains("bind 127.0.0.1:8443", text);
        Assert.Contains("bind 127.0.0.1:8084", text);
        Assert.Contains("server mqtt-bridge-2 127.0.0.1:20015 check port 20014", text);
        // The WebSocket listener is off (-1): no frontend for it.
        Assert.DoesNotContain("frontend mqtt-ws\n", text);
        Assert.DoesNotContain(":8083", text);
        // TLS passes through to the bridges' private ports; each is checked on its own /healthz port.
        Assert.Contains("server mqtt-bridge-1 127.0.0.1:20002 check port 20004", text);
        Assert.Contains("server mqtt-bridge-2 127.0.0.1:20012 check port 20014", text);
        Assert.Contains("bind 127.0.0.1:9104", text);
    }
}
