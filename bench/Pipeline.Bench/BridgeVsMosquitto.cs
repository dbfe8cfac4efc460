using System.Net.Sockets;

namespace Pipeline.Bench;

/// <summary>
/// QoS 1 publishes acknowledged per second: the bridge (PUBACK only after Kafka took the record, under
/// `up` with the rest of the pipeline consuming behind it) against Debian's Mosquitto on a free port
/// routing the same publishes to one QoS 1 subscriber, and (issue 17's reference) acknowledging them with no
/// subscriber at all. Same load generator, payloads, connections, same run.
/// </summary>
internal static class BridgeVsMosquitto
{
    public const int Connections = 8;
    public const int InFlight = 100;
    private const string Goal = ">= 1.0x Mosquitto";
    private const string Name = "bridge ingest: QoS 1 msg/s acknowledged";

    public static async Task<IReadOnlyList<BenchResult>> RunAsync(PipelineUp pipeline, TimeSpan duration)
    {
        var tokens = pipeline.SimulatorTokens();
        var devices = tokens.OrderBy(t => t.Key).Take(Connections).Select(t => (t.Key, (string?)t.Value)).ToList();
        if (devices.Count < Connections)
            return [BenchResult.Failed(Name, Goal, $"only {devices.Count} registered devices")];

        Console.Error.WriteLine($"bridge: {Connections} connections x {InFlight} in flight, {duration.TotalSeconds:0} s");
        var bridge = await MqttLoad.RunAsync("bridge", pipeline.MqttPort, devices, InFlight, duration);
        Console.Error.WriteLine($"mosquitto: same load, one QoS 1 subscriber");
        var anonymous = devices.Select(d => (d.Key, (string?)null)).ToList();
        var mosquitto = await MosquittoAsync(anonymous, duration, subscriber: true);
        Console.Error.WriteLine($"mosquitto: same load, no subscriber");
        var bare = await MosquittoAsync(anonymous, duration, subscriber: false);
        return
        [
            new BenchResult(Name, $"{bridge.PerSecond:N0} msg/s", $"{mosquitto.PerSecond:N0} msg/s (Mosquitto, 1 subscriber)",
            bridge.PerSecond / mosquitto.PerSecond, Goal,
            $"{Connections} MQTT 5 connections x {InFlight} pipelined QoS 1 publishes, ~50-byte JSON; bridge under `up` (Kafka acks=all before PUBACK, processor and sink consuming on the same cores); " +
            $"refused: bridge {bridge.Refused}, Mosquitto {mosquitto.Refused}."),
            new BenchResult(Name + " vs Mosquitto with no subscriber", $"{bridge.PerSecond:N0} msg/s", $"{bare.PerSecond:N0} msg/s (Mosquitto, no subscriber)",
                bridge.PerSecond / bare.PerSecond, Goal,
                $"The same bridge figure against Mosquitto acknowledging with nobody subscribed (issue 17's reference); refused: Mosquitto {bare.Refused}."),
        ];
    }

    /// <summary>The same load against Debian's Mosquitto on a free port (anonymous devices), paced when <paramref name="ratePerSecond"/> is given.</summary>
    /// <param name="warmUp">The same load first, not counted (the measured server as it runs after its start-up).</param>
    public static async Task<MqttLoadResult> MosquittoAsync(IReadOnlyList<(string, string?)> devices, TimeSpan duration, bool subscriber, double? ratePerSecond = null,
        TimeSpan? warmUp = null)
    {
        var port = PipelineUp.FreePort();
        var config = Path.Combine(Path.GetTempPath(), $"bench-mosquitto-{port}.conf");
        File.WriteAllText(config, $"listener {port} 127.0.0.1\nallow_anonymous true\nmax_inflight_messages {InFlight}\nmax_queued_messages 1000000\npersistence false\n");
        await using var broker = ChildProcess.Start("mosquitto", "mosquitto", ["-c", config], echo: false);
        await PipelineUp.WaitForPortAsync(port);
        // Its output is thrown away: the subscriber only has to take the messages.
        await using var sub = subscriber
            ? ChildProcess.Start("mosquitto_sub", "sh", ["-c", $"exec mosquitto_sub -h 127.0.0.1 -p {port} -q 1 -t 'devices/#' -i bench-sub > /dev/null"], echo: false)
            : null;
        if (subscriber)
            await Task.Delay(TimeSpan.FromSeconds(1)); // the subscription is in place before the first publish (no way to observe it from here)
        try
        {
            if (warmUp is { } first)
                await MqttLoad.RunAsync("mosquitto warm-up", port, devices, InFlight, first, ratePerSecond);
            return await MqttLoad.RunAsync("mosquitto", port, devices, InFlight, duration, ratePerSecond);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
