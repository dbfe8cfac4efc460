namespace Pipeline.MqttBridge.Hosting;

/// <summary>
/// Socket reads continue on the socket engine's own threads (one per core) instead of being handed to the thread
/// pool: every MQTT packet read used to cost a thread-pool wake-up and context switch, and nothing on the bridge's
/// receive path blocks (Kafka's Produce only queues; waits are awaited; blocking consumers have their own
/// threads). Measured +12-14% QoS 1 msg/s acknowledged in the bridge-alone benchmark (docs/operations.md,
/// "Bridge throughput"). DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 in the environment hands reads to the pool
/// again. .NET reads the switch when the first socket is used, so it is set in the environment before that, not
/// through configuration.
/// </summary>
public static class SocketCompletions
{
    public const string Switch = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline completions on unless the environment already decides; call before the first socket.</summary>
    public static void RunInlineUnlessConfigured()
    {
        if (Environment.GetEnvironmentVariable(Switch) is null)
            Environment.SetEnvironmentVariable(Switch, "1");
    }
}
