using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Pipeline.FaultTests;

/// <summary>
/// A device that drops its connection in the middle of a burst of pipelined QoS 1 publishes (no DISCONNECT),
/// reconnects to the same session and resends every publish it had no PUBACK for: each seq is stored once.
/// </summary>
public sealed class SessionResumeTests
{
    private const int Burst = 1000;

    [Fact]
    public async Task Unacknowledged_publishes_resent_after_an_abrupt_disconnect_are_stored_once()
    {
        await using var pipeline = await RunningPipeline.StartAsync(ResendingFleet.UnthrottledSettings);
        const string device = "resume-0";
        var token = await pipeline.AddDeviceAsync(device);
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", pipeline.MqttPort).WithClientId(device)
            .WithCredentials(device, token).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false).WithSessionExpiryInterval(300).WithTimeout(TimeSpan.FromSeconds(30)).Build();
        var acknowledged = new ConcurrentDictionary<ulong, bool>();

        // The bridge admits a new device once its registry view has the record (within a second or so).
        var first = new MqttClientFactory().CreateMqttClient();
        await TestSupport.Eventually.HoldsAsync(async () => (await first.ConnectAsync(options)).ResultCode, code => code == MqttClientConnectResultCode.Success,
            TimeSpan.FromSeconds(30), "the new device connects");
        var inFlight = Enumerable.Range(1, Burst).Select(seq => PublishAsync(first, device, (ulong)seq, acknowledged)).ToList();
        // Cut the connection while part of the burst is still unacknowledged: no DISCONNECT, as when a device loses power.
        await Eventually(() => acknowledged.Count >= 10, "the first publishes of the burst are acknowledged");
        first.Dispose();
        await Task.WhenAll(inFlight);
        var unacknowledged = Enumerable.Range(1, Burst).Select(s => (ulong)s).Where(s => !acknowledged.ContainsKey(s)).ToList();

        using var second = new MqttClientFactory().CreateMqttClient();
        var resumed = await second.ConnectAsync(options);
        Assert.Equal(MqttClientConnectResultCode.Success, resumed.ResultCode);
        Assert.True(resumed.IsSessionPresent, "the bridge kept the device's session");
        await Task.WhenAll(unacknowledged.Select(seq => PublishAsync(second, device, seq, acknowledged)));
        Assert.Equal(Burst, acknowledged.Count);
        await second.DisconnectAsync();

        try
        {
            await TestSupport.Eventually.HoldsAsync(() => pipeline.CountAsync($"SELECT uniqExact(seq) FROM iot.telemetry WHERE device_id = '{device}'"),
                n => n == Burst, TimeSpan.FromSeconds(90), $"all {Burst} seqs are stored");
        }
        catch (TimeoutException e)
        {
            var stored = (await pipeline.RowsAsync($"SELECT DISTINCT seq FROM iot.telemetry WHERE device_id = '{device}'"))
                .Select(r => ulong.Parse(r.GetProperty("seq").ToString())).ToHashSet();
            var missing = Enumerable.Range(1, Burst).Select(x => (ulong)x).Where(x => !stored.Contains(x)).ToList();
            var rejected = await pipeline.RowsAsync($"SELECT reason, detail FROM iot.rejected WHERE device_id = '{device}' LIMIT 5");
            throw new TimeoutException($"{e.Message}\nMissing seqs: {string.Join(", ", missing.Take(20))} (resent after the cut: {string.Join(", ", missing.Where(unacknowledged.Contains))})\n" +
                $"{unacknowledged.Count} resent; rejected rows: {string.Join("; ", rejected)}\nup's log (tail):\n{string.Join('\n', pipeline.Up.Stdout.Split('\n').TakeLast(60))}", e);
        }
        Assert.Equal(Burst, await pipeline.CountAsync($"SELECT count() FROM iot.telemetry WHERE device_id = '{device}' AND metric = 'temperature'"));
        Assert.True(unacknowledged.Count > 0, "the cut left publishes unacknowledged (otherwise nothing was resent)");
    }

    private static async Task PublishAsync(IMqttClient client, string device, ulong seq, ConcurrentDictionary<ulong, bool> acknowledged)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic($"devices/{device}/telemetry")
            .WithPayload(Encoding.UTF8.GetBytes($"{{\"seq\":{seq},\"temperature\":{seq % 40}}}"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        try
        {
            if ((await client.PublishAsync(message)).IsSuccess)
                acknowledged[seq] = true;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection was cut before its PUBACK: the device resends it.
        }
    }

    private static Task Eventually(Func<bool> condition, string what) =>
        TestSupport.Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(60), what);
}
