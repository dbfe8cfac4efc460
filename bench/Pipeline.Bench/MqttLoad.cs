using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Pipeline.Bench;

/// <summary>
/// The lean load generator both brokers get: a few MQTT 5 connections, each keeping up to
/// <c>inFlight</c> QoS 1 publishes outstanding (pipelined, not one at a time), small JSON telemetry
/// with a growing seq. Counts publishes acknowledged with success. Unpaced, each connection publishes as fast as
/// its window allows; paced (<c>ratePerSecond</c>), the connections share that rate, sending what is due every
/// millisecond or so, and the window only bounds what is outstanding.
/// </summary>
internal sealed record MqttLoadResult(long Acknowledged, long Refused, TimeSpan Elapsed)
{
    public double PerSecond => Acknowledged / Elapsed.TotalSeconds;
}

internal static class MqttLoad
{
    public static async Task<MqttLoadResult> RunAsync(string label, int port, IReadOnlyList<(string ClientId, string? Token)> connections, int inFlight, TimeSpan duration,
        double? ratePerSecond = null)
    {
        var perConnection = ratePerSecond / connections.Count;
        var clients = new List<IMqttClient>();
        foreach (var (clientId, token) in connections)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId)
                .WithProtocolVersion(MqttProtocolVersion.V500).WithCleanStart().WithTimeout(TimeSpan.FromSeconds(30));
            if (token is not null) options = options.WithCredentials(clientId, token);
            var connected = await client.ConnectAsync(options.Build());
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
                throw new InvalidOperationException($"{label}: {clientId} refused at CONNECT: {connected.ResultCode}");
            clients.Add(client);
        }

        long acknowledged = 0, refused = 0;
        var seqBase = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 100_000;
        var clock = Stopwatch.StartNew();
        using var progress = new Timer(_ => Console.Error.WriteLine(
            $"  [{label}] {clock.Elapsed.TotalSeconds,4:0} s  {Interlocked.Read(ref acknowledged) / Math.Max(clock.Elapsed.TotalSeconds, 0.001),9:N0} acknowledged/s"),
            null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        var workers = clients.Select((client, i) => Task.Run(async () =>
        {
            var topic = $"devices/{connections[i].ClientId}/telemetry";
            using var window = new SemaphoreSlim(inFlight);
            var pending = new List<Task>();
            var seq = seqBase;
            long sent = 0;
            while (clock.Elapsed < duration)
            {
                if (perConnection is { } rate && sent >= rate * clock.Elapsed.TotalSeconds)
                {
                    await Task.Delay(1); // nothing due yet
                    continue;
                }
                sent++;
                await window.WaitAsync();
                seq++;
                var payload = Encoding.UTF8.GetBytes($"{{\"seq\":{seq},\"temperature\":21.5,\"humidity\":40}}");
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                pending.Add(client.PublishAsync(message).ContinueWith(t =>
                {
                    window.Release();
                    if (t.IsCompletedSuccessfully && t.Result.IsSuccess) Interlocked.Increment(ref acknowledged);
                    else Interlocked.Increment(ref refused);
                }, TaskScheduler.Default));
                if (pending.Count > 10_000) pending.RemoveAll(p => p.IsCompleted);
            }
            await Task.WhenAll(pending);
        })).ToList();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        foreach (var client in clients)
        {
            try { await client.DisconnectAsync(); } catch (Exception) { }
            client.Dispose();
        }
        return new MqttLoadResult(acknowledged, refused, elapsed);
    }
}
