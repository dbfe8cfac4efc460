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
    private const int MaxRounds = 5;

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
        var sent = 0;
        List<ulong> unacknowledged = [];

        // A fast bridge can acknowledge a whole burst before the cut lands (CI saw nothing left to resend), so a cut
        // that left nothing unacknowledged is followed by another burst on a new connection, up to a few rounds.
        for (var round = 1; round <= MaxRounds && unacknowledged.Count == 0; round++)
        {
            // The bridge admits a new device once its registry view has the record (within a second or so).
            using var cutClient = new MqttClientFactory().CreateMqttClient();
            await TestSupport.Eventually.HoldsAsync(async () => (await cutClient.ConnectAsync(options)).ResultCode, code => code == MqttClientConnectResultCode.Success,
                TimeSpan.FromSeconds(30), "the device connects");
            // Completed by the publish that receives the burst's tenth PUBACK, so the cut follows it at once.
            var tenAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var burstAcknowledged = 0;
            var burst = Enumerable.Range(sent + 1, Burst).Select(seq => (ulong)seq).ToList();
            sent += Burst;
            var inFlight = burst.Select(async seq =>
            {
                if (await PublishAsync(cutClient, device, seq, acknowledged) == Acknowledged && Interlocked.Increment(ref burstAcknowledged) == 10)
                    tenAcknowledged.TrySetResult();
            }).ToList();
            // Cut the connection while part of the burst is still unacknowledged: no DISCONNECT, as when a device loses power.
            await tenAcknowledged.Task.WaitAsync(TimeSpan.FromSeconds(60));
            cutClient.Dispose();
            await Task.WhenAll(inFlight);
            unacknowledged = burst.Where(s => !acknowledged.ContainsKey(s)).ToList();
        }
        Assert.True(unacknowledged.Count > 0, $"a cut left publishes unacknowledged within {MaxRounds} bursts (otherwise nothing is resent)");

        using var second = new MqttClientFactory().CreateMqttClient();
        string? secondEnded = null;
        second.DisconnectedAsync += e =>
        {
            secondEnded = $"{e.Reason} \"{e.ReasonString}\" ({e.Exception?.GetType().Name}: {e.Exception?.Message})";
            return Task.CompletedTask;
        };
        var resumed = await second.ConnectAsync(options);
        Assert.Equal(MqttClientConnectResultCode.Success, resumed.ResultCode);
        Assert.True(resumed.IsSessionPresent, "the bridge kept the device's session");
        var outcomes = new ConcurrentDictionary<string, int>();
        await Task.WhenAll(unacknowledged.Select(async seq => outcomes.AddOrUpdate(await PublishAsync(second, device, seq, acknowledged), 1, (_, n) => n + 1)));
        // What a failed resend met, and the bridge's own account of the connections, travel with the assertion.
        Assert.True(sent == acknowledged.Count, $"{acknowledged.Count} of {sent} acknowledged after resending {unacknowledged.Count} on a resumed connection; " +
            $"their outcomes: {string.Join(", ", outcomes.Select(o => $"{o.Value} x {o.Key}"))}; the resumed connection ended: {secondEnded ?? "no"}\n" +
            $"Bridge's log:{pipeline.Home.ServiceLogTail("mqtt-bridge", 60, everything: true)}");
        await second.DisconnectAsync();

        try
        {
            await TestSupport.Eventually.HoldsAsync(() => pipeline.CountAsync($"SELECT uniqExact(seq) FROM iot.telemetry WHERE device_id = '{device}'"),
                n => n == sent, TimeSpan.FromSeconds(90), $"all {sent} seqs are stored");
        }
        catch (TimeoutException e)
        {
            var stored = (await pipeline.RowsAsync($"SELECT DISTINCT seq FROM iot.telemetry WHERE device_id = '{device}'"))
                .Select(r => ulong.Parse(r.GetProperty("seq").ToString())).ToHashSet();
            var missing = Enumerable.Range(1, sent).Select(x => (ulong)x).Where(x => !stored.Contains(x)).ToList();
            var rejected = await pipeline.RowsAsync($"SELECT reason, detail FROM iot.rejected WHERE device_id = '{device}' LIMIT 5");
            throw new TimeoutException($"{e.Message}\nMissing seqs: {string.Join(", ", missing.Take(20))} (resent after the cut: {string.Join(", ", missing.Where(unacknowledged.Contains))})\n" +
                $"{unacknowledged.Count} resent; rejected rows: {string.Join("; ", rejected)}\nup's log (tail):\n{string.Join('\n', pipeline.Up.Stdout.Split('\n').TakeLast(60))}", e);
        }
        Assert.Equal(sent, await pipeline.CountAsync($"SELECT count() FROM iot.telemetry WHERE device_id = '{device}' AND metric = 'temperature'"));
    }

    private const string Acknowledged = "acknowledged";

    /// <returns><see cref="Acknowledged"/>, or what the publish met instead (a reason code, or the exception that ended it).</returns>
    private static async Task<string> PublishAsync(IMqttClient client, string device, ulong seq, ConcurrentDictionary<ulong, bool> acknowledged)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic($"devices/{device}/telemetry")
            .WithPayload(Encoding.UTF8.GetBytes($"{{\"seq\":{seq},\"temperature\":{seq % 40}}}"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        try
        {
            var result = await client.PublishAsync(message);
            if (!result.IsSuccess)
                return $"PUBACK {result.ReasonCode} \"{result.ReasonString}\"";
            acknowledged[seq] = true;
            return Acknowledged;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection was cut before its PUBACK: the device resends it.
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
