using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Kafka;

namespace Pipeline.MqttBridge.Hosting;

/// <summary>Ready when the listeners are bound, the registry and presence views have caught up, commands are read, and Kafka takes records.</summary>
public sealed class BridgeHealthCheck(BridgeEndpoints endpoints, DeviceRegistryView registry, BridgeProducer producer,
    Commands.CommandDispatcher commands, Presence.PresenceView presence, Connections.DurableSessions sessions) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var missing = new List<string>();
        if (!endpoints.IsStarted)
            missing.Add("listeners not started");
        if (!registry.IsReady)
            missing.Add($"device registry: {registry.Status}");
        if (!producer.IsReady)
            missing.Add("Kafka producer: schemas or topics not ready");
        else if (!producer.IsKafkaReachable)
            missing.Add("Kafka producer: all brokers down");
        if (!presence.IsReady)
            missing.Add($"presence: {presence.Status}");
        else if (!sessions.IsReady)
            missing.Add($"sessions: {sessions.Status}");
        else if (!commands.IsReady)
            missing.Add("commands: not yet reading iot.commands");
        return Task.FromResult(missing.Count == 0
            ? HealthCheckResult.Healthy($"{registry.Count} devices known")
            : HealthCheckResult.Unhealthy(string.Join("; ", missing)));
    }
}
