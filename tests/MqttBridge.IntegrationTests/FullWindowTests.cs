using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.IntegrationTests.Support;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// A device holding its whole in-flight window can send nothing more until its PUBACKs come, and they wait for Kafka:
/// when every device with publishes waiting is in that state, the bridge sends Kafka's batch at once instead of after
/// the linger (Kafka/FullWindowSender).
/// </summary>
public sealed class FullWindowTests
{
    private const int Window = 10;
    private const int LingerMs = 1000;

    [Fact]
    public async Task Full_in_flight_windows_are_acknowledged_before_the_linger_a_partial_one_waits_for()
    {
        await using var bridge = await TestBridge.StartAsync(new Dictionary<string, string>
        {
            ["Bridge:LingerMs"] = LingerMs.ToString(),
            ["Limits:MaxInFlightPerConnection"] = Window.ToString(),
        });
        var device = await bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        var seq = 0;

        // One publish short of the window: Kafka's producer waits out its linger, so the PUBACKs cannot come sooner.
        var partial = await RoundAsync(client, device.DeviceId, Window - 1, () => ++seq);
        Assert.True(partial >= TimeSpan.FromMilliseconds(LingerMs * 0.9), $"a partial window was acknowledged after {partial.TotalMilliseconds:0} ms, before the {LingerMs} ms linger");

        // The whole window: its last publish sends the batch. Best of three rounds, so one stall of a loaded machine does not decide.
        var full = new List<TimeSpan>();
        for (var round = 0; round < 3; round++)
            full.Add(await RoundAsync(client, device.DeviceId, Window, () => ++seq));
        Assert.True(full.Min() < TimeSpan.FromMilliseconds(LingerMs), $"full windows were acknowledged after {string.Join(", ", full.Select(t => $"{t.TotalMilliseconds:0}"))} ms; " +
            $"without the early send each waits the {LingerMs} ms linger");

        // Another device with a publish waiting and room for more could still add to the batch: the full window waits with it.
        var other = await bridge.AddDeviceAsync();
        using var otherClient = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(bridge.Endpoints, other.DeviceId).WithToken(other.DeviceId, other.Token).Build());
        var otherSeq = 0;
        var otherRound = RoundAsync(otherClient, other.DeviceId, 1, () => ++otherSeq);
        var fullBesideOpen = await RoundAsync(client, device.DeviceId, Window, () => ++seq);
        await otherRound;
        Assert.True(fullBesideOpen >= TimeSpan.FromMilliseconds(LingerMs * 0.5),
            $"a full window was sent after {fullBesideOpen.TotalMilliseconds:0} ms while another device's window was open and not full");

        var records = await bridge.WaitForRecordsAsync<Pipeline.Contracts.TelemetryRecord>(bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId, seq);
        Assert.Equal(Enumerable.Range(1, seq).Select(s => (ulong)s), records.Select(r => r.Value.Seq).Order());
    }

    /// <returns>How long the slowest of <paramref name="count"/> concurrent QoS 1 publishes took to be acknowledged.</returns>
    private static async Task<TimeSpan> RoundAsync(IMqttClient client, string deviceId, int count, Func<int> nextSeq)
    {
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{deviceId}/telemetry").WithPayload($$"""{"seq":{{nextSeq()}},"v":1}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build())));
        Assert.All(results, r => Assert.True(r.IsSuccess, $"{r.ReasonCode} {r.ReasonString}"));
        return clock.Elapsed;
    }
}
