using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// Devices as the fault suite needs them: each publishes seq 1, 2, ... at QoS 1, one at a time as fast as it
/// is acknowledged, and like real firmware, after a lost connection or a PUBACK that does not come within
/// 10 s, reconnects and resends the same seq. Every acknowledged (device, seq) is recorded, so the end of a
/// test can reconcile them with iot.telemetry: nothing missing, nothing twice.
/// </summary>
internal sealed class ResendingFleet
{
    private readonly ConcurrentDictionary<(string Device, ulong Seq), bool> _acknowledged = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _devices = [];
    private readonly ConcurrentDictionary<string, bool> _revoking = new(StringComparer.Ordinal);

    /// <summary>The device is about to be revoked: from now on "not authorized" ends its publishing instead of failing the test.</summary>
    public void ExpectRevocation(string deviceId) => _revoking[deviceId] = true;

    /// <summary>Settings `up` needs so these devices are not throttled: they publish above the default 100 msg/s.</summary>
    public static readonly IReadOnlyDictionary<string, string> UnthrottledSettings = new Dictionary<string, string>
    {
        ["PIPELINE__Limits__FailedConnectsPerMinute"] = "10000",
        ["PIPELINE__Limits__RateLimitPerSecond"] = "100000",
    };

    public int Acknowledged => _acknowledged.Count;

    public IReadOnlyCollection<(string Device, ulong Seq)> AcknowledgedMessages => _acknowledged.Keys.ToList();

    public static async Task<ResendingFleet> StartAsync(RunningPipeline pipeline, string prefix, int devices)
    {
        var fleet = new ResendingFleet();
        for (var i = 0; i < devices; i++)
        {
            var id = $"{prefix}-{i}";
            var token = await pipeline.AddDeviceAsync(id);
            fleet._devices.Add(Task.Run(() => fleet.PublishUntilStoppedAsync(pipeline.MqttPort, id, token)));
        }
        return fleet;
    }

    /// <summary>Waits until <paramref name="more"/> further messages than now are acknowledged.</summary>
    public Task WaitForMoreAcknowledgedAsync(int more, TimeSpan timeout, string what)
    {
        var target = Acknowledged + more;
        return Eventually.HoldsAsync(() => Acknowledged >= target, timeout, what);
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_devices);
    }

    /// <summary>Every acknowledged (device, seq) is in iot.telemetry, and no (device, seq) has two rows.</summary>
    public async Task AssertStoredExactlyOnceAsync(RunningPipeline pipeline, TimeSpan timeout)
    {
        var expected = Acknowledged;
        try
        {
            await Eventually.HoldsAsync(() => pipeline.CountAsync("SELECT uniqExact(device_id, seq) FROM iot.telemetry WHERE metric = 'temperature'"),
                n => n >= expected, timeout, $"the {expected} acknowledged messages are stored");
        }
        catch (TimeoutException e)
        {
            var missing = _acknowledged.Keys.Except(await StoredAsync(pipeline)).Order().Take(30);
            throw new TimeoutException($"{e.Message}\n{await StageCountsAsync(pipeline)}\nMissing (first 30): {string.Join(", ", missing)}\n"
                + $"Processors' logs:{pipeline.Home.ServiceLogTail("rules-processor", 60, everything: true)}\n"
                + $"up's log (tail):\n{Tail(pipeline.Up.Stdout, 150)}", e);
        }
        var stored = await StoredAsync(pipeline);
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.Empty(_acknowledged.Keys.Except(stored));
    }

    /// <summary>
    /// Where the fleet's records are, per device: acknowledged, in the bridge's output topic, in the processor's
    /// output topic, stored. A shortfall names the stage that holds them back (or lost them), read with kcat.
    /// </summary>
    private async Task<string> StageCountsAsync(RunningPipeline pipeline)
    {
        var raw = await pipeline.RecordsPerKeyAsync("iot.telemetry.raw");
        var enriched = await pipeline.RecordsPerKeyAsync("iot.telemetry.enriched");
        var stored = (await StoredAsync(pipeline)).GroupBy(r => r.Device).ToDictionary(g => g.Key, g => g.Count());
        var lines = _acknowledged.Keys.GroupBy(k => k.Device).OrderBy(g => g.Key).Select(g =>
            $"{g.Key}: acknowledged {g.Count()} (highest seq {g.Max(k => k.Seq)}), records in iot.telemetry.raw {raw.GetValueOrDefault(g.Key)}, "
            + $"in iot.telemetry.enriched {enriched.GetValueOrDefault(g.Key)}, stored {stored.GetValueOrDefault(g.Key)}");
        return "Per device (raw and enriched count resends too): " + string.Join("; ", lines);
    }

    private static async Task<List<(string Device, ulong Seq)>> StoredAsync(RunningPipeline pipeline) =>
        (await pipeline.RowsAsync("SELECT device_id, seq FROM iot.telemetry WHERE metric = 'temperature'"))
            .Select(r => (r.GetProperty("device_id").GetString()!, ulong.Parse(r.GetProperty("seq").ToString()))).ToList();

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    private async Task PublishUntilStoppedAsync(int port, string deviceId, string token)
    {
        var stop = _stop.Token;
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(deviceId).WithCredentials(deviceId, token)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10)).Build();
        ulong seq = 1;
        while (!stop.IsCancellationRequested)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            try
            {
                var connect = await client.ConnectAsync(options, stop);
                if (connect.ResultCode == MqttClientConnectResultCode.NotAuthorized && _revoking.ContainsKey(deviceId))
                    return;
                if (connect.ResultCode != MqttClientConnectResultCode.Success)
                {
                    await Task.Delay(200, stop); // a restarted bridge is still reading the registry
                    continue;
                }
                while (!stop.IsCancellationRequested)
                {
                    var message = new MqttApplicationMessageBuilder().WithTopic($"devices/{deviceId}/telemetry")
                        .WithPayload(Encoding.UTF8.GetBytes($"{{\"seq\":{seq},\"temperature\":{seq % 50}}}"))
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                    // A PUBACK that never comes (the bridge died, or Kafka is away) ends this connection.
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    var result = await client.PublishAsync(message, timeout.Token);
                    if (result.ReasonCode == MqttClientPublishReasonCode.NotAuthorized && _revoking.ContainsKey(deviceId))
                        return;
                    if (!result.IsSuccess) throw new PublishRefusedException($"{deviceId} seq {seq}: {result.ReasonCode}");
                    _acknowledged[(deviceId, seq)] = true;
                    seq++;
                }
            }
            catch (Exception e) when (e is not PublishRefusedException && !stop.IsCancellationRequested)
            {
                // Connection lost or PUBACK overdue: reconnect and resend the same seq.
                try { await Task.Delay(200, stop); } catch (OperationCanceledException) { }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    private sealed class PublishRefusedException(string message) : Exception(message);
}
