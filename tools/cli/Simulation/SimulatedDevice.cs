using MQTTnet;
using MQTTnet.Protocol;

namespace Pipeline.Cli.Simulation;

/// <summary>
/// One device: its own MQTT connection, publishing at a fixed pace on devices/&lt;id&gt;/telemetry.
/// QoS 1 publishes are pipelined (several in flight) so a slow PUBACK does not slow the pace.
/// </summary>
public sealed class SimulatedDevice(string deviceId, MqttClientOptions options, TelemetryGenerator generator,
    SimulationOptions simulation, SimulationCounters counters)
{
    private const int MaxInFlight = 32;
    private readonly HashSet<ulong> _acknowledgedSeqs = [];
    private string? _connectionLost;

    public async Task RunAsync(DateTimeOffset start, TimeSpan startOffset, CancellationToken ct)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        using var inFlight = new SemaphoreSlim(MaxInFlight);
        // Why the connection ended, for the summary: the bridge's DISCONNECT reason, or the socket's error.
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
                Interlocked.CompareExchange(ref _connectionLost, $"{e.Reason} {e.ReasonString ?? e.Exception?.Message}".Trim(), null);
            return Task.CompletedTask;
        };
        var connect = await client.ConnectAsync(options, ct);
        if (connect.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"{deviceId}: connect refused with {connect.ResultCode} {connect.ReasonString}");
        counters.OnConnected();
        try
        {
            var topic = $"devices/{deviceId}/telemetry";
            var qos = simulation.Qos == 1 ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce;
            var pending = new List<Task>();
            var end = start + simulation.Duration;
            // Devices start spread over the first interval so the fleet's load is even, not in bursts.
            var next = start + startOffset;
            while (!ct.IsCancellationRequested)
            {
                var wait = next - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
                if (DateTimeOffset.UtcNow >= end) break;
                next += simulation.IntervalPerDevice;
                var message = generator.Next(DateTimeOffset.UtcNow);
                await inFlight.WaitAsync(ct);
                pending.Add(PublishAsync(client, topic, qos, message, inFlight, ct));
                pending.RemoveAll(t => t.IsCompleted);
            }
            await Task.WhenAll(pending);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
        }
        finally
        {
            counters.OnDisconnected();
        }
    }

    private async Task PublishAsync(IMqttClient client, string topic, MqttQualityOfServiceLevel qos, SimulatedMessage message,
        SemaphoreSlim inFlight, CancellationToken ct)
    {
        try
        {
            var publish = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(message.Payload)
                .WithQualityOfServiceLevel(qos)
                .Build();
            counters.OnSent(message);
            var result = await client.PublishAsync(publish, ct);
            if (result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                bool first;
                lock (_acknowledgedSeqs) first = message.Seq == 0 || _acknowledgedSeqs.Add(message.Seq);
                counters.OnAcknowledged(message, first);
            }
            else
                counters.OnRefused();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            counters.OnFailed(deviceId, e, Volatile.Read(ref _connectionLost));
        }
        finally
        {
            inFlight.Release();
        }
    }
}
