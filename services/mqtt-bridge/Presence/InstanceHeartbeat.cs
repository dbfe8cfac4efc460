using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// Records this instance's start in iot.connectivity once Kafka is ready, then a heartbeat every
/// Bridge:PresenceHeartbeat. A bridge that crashes sends no disconnects; readers treat its devices as
/// disconnected once its heartbeats stop (three intervals) or the same instance id starts again.
/// The same heartbeat goes to iot.presence, where the instances count each other live for command routing.
/// The stop is recorded by <see cref="Hosting.BridgeServer"/> after it disconnected every device. One more goes to
/// iot.presence as soon as the command reader knows where it started: commands the others left to this run before
/// that are decided again once they see it started after them, and waiting a whole interval would delay them.
/// </summary>
public sealed class InstanceHeartbeat(ConnectivityRecorder recorder, PresenceWriter presence, BridgeProducer producer, IOptions<BridgeOptions> bridge,
    Commands.CommandReadPositions commandsRead)
    : BackgroundService
{
    private readonly TimeSpan _interval = bridge.Value.PresenceHeartbeat;

    public TimeSpan Interval => _interval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!producer.IsReady)
            await Task.Delay(TimeSpan.FromMilliseconds(100), stoppingToken).ConfigureAwait(false);
        recorder.InstanceEvent(ConnectivityEvent.Types.Kind.InstanceStarted, _interval);
        commandsRead.Started += () => presence.Alive(_interval);
        presence.Alive(_interval);
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            recorder.InstanceEvent(ConnectivityEvent.Types.Kind.InstanceAlive, _interval);
            presence.Alive(_interval);
        }
    }
}
