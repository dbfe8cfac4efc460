using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// kill -9 of the bridge under `up` while devices publish QoS 1 and, like real devices, reconnect and
/// resend what was not acknowledged (same seq): every acknowledged (device, seq) is stored exactly once.
/// </summary>
public sealed partial class BridgeKillTests
{
    private const int Devices = 3;

    [Fact]
    public async Task Acknowledged_values_land_once_after_the_bridge_is_killed()
    {
        // Devices publish one message at a time as fast as acknowledged, above the default 100 msg/s per device.
        await using var pipeline = await RunningPipeline.StartAsync(new Dictionary<string, string>
        {
            ["PIPELINE__Limits__FailedConnectsPerMinute"] = "10000",
            ["PIPELINE__Limits__RateLimitPerSecond"] = "100000",
        });
        var tokens = new Dictionary<string, string>();
        for (var i = 0; i < Devices; i++)
            tokens[$"kill-{i}"] = await pipeline.AddDeviceAsync($"kill-{i}");

        var acknowledged = new ConcurrentDictionary<(string, ulong), bool>();
        using var stop = new CancellationTokenSource();
        var publishers = tokens.Select(t => Task.Run(() => PublishUntilStoppedAsync(pipeline.MqttPort, t.Key, t.Value, acknowledged, stop.Token))).ToList();

        await Eventually.HoldsAsync(() => acknowledged.Count >= 200, TimeSpan.FromSeconds(60), "devices publish before the fault");
        var bridge = pipeline.ServicePid("Pipeline.MqttBridge");
        Assert.True(bridge is not null, "the bridge runs under up");
        Assert.Equal(0, Kill(bridge!.Value, 9));
        await Eventually.HoldsAsync(() => pipeline.ServicePid("Pipeline.MqttBridge") is { } pid && pid != bridge, TimeSpan.FromSeconds(60), "up restarts the bridge");
        var before = acknowledged.Count;
        await Eventually.HoldsAsync(() => acknowledged.Count >= before + 200, TimeSpan.FromSeconds(120), "devices are acknowledged again after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(publishers);

        var expected = acknowledged.Count;
        // Nothing missing: every acknowledged (device, seq) is there; nothing twice: no (device, seq) has two rows.
        await Eventually.HoldsAsync(() => pipeline.CountAsync("SELECT uniqExact(device_id, seq) FROM iot.telemetry WHERE metric = 'temperature'"), n => n >= expected,
            TimeSpan.FromSeconds(90), $"the {expected} acknowledged messages are stored");
        var stored = (await pipeline.RowsAsync("SELECT device_id, seq FROM iot.telemetry WHERE metric = 'temperature'"))
            .Select(r => (r.GetProperty("device_id").GetString()!, ulong.Parse(r.GetProperty("seq").ToString()))).ToList();
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.Empty(acknowledged.Keys.Except(stored));
    }

    /// <summary>One device: publishes seq 1, 2, ... one at a time; after a lost connection it reconnects and resends the unacknowledged seq.</summary>
    private static async Task PublishUntilStoppedAsync(int port, string deviceId, string token, ConcurrentDictionary<(string, ulong), bool> acknowledged, CancellationToken stop)
    {
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(deviceId).WithCredentials(deviceId, token)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10)).Build();
        ulong seq = 1;
        while (!stop.IsCancellationRequested)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            try
            {
                if ((await client.ConnectAsync(options, stop)).ResultCode != MqttClientConnectResultCode.Success)
                {
                    await Task.Delay(200, stop); // the restarted bridge is still reading the registry
                    continue;
                }
                while (!stop.IsCancellationRequested)
                {
                    var message = new MqttApplicationMessageBuilder().WithTopic($"devices/{deviceId}/telemetry")
                        .WithPayload(Encoding.UTF8.GetBytes($"{{\"seq\":{seq},\"temperature\":{seq % 50}}}"))
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                    // A PUBACK that never comes (the bridge died with the publish in flight) ends this connection.
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    var result = await client.PublishAsync(message, timeout.Token);
                    if (!result.IsSuccess) throw new PublishRefusedException($"{deviceId} seq {seq}: {result.ReasonCode}");
                    acknowledged[(deviceId, seq)] = true;
                    seq++;
                }
            }
            catch (Exception e) when (e is not PublishRefusedException && !stop.IsCancellationRequested)
            {
                // Connection lost (the bridge was killed): reconnect and resend the same seq.
                try { await Task.Delay(200, stop); } catch (OperationCanceledException) { }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    private sealed class PublishRefusedException(string message) : Exception(message);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
