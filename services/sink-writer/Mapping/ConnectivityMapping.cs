using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>
/// iot.connectivity -> iot.connectivity: one row per device connect or disconnect and per bridge instance
/// start, heartbeat and stop. The event kind is stored as a short word analysts can filter on.
/// </summary>
public sealed class ConnectivityMapping : ITableMapping<ConnectivityEvent>
{
    public string Table => "connectivity";

    public IReadOnlyList<string> Columns { get; } =
        ["ts", "device_id", "event", "instance", "connection_id", "reason", "client_address", "protocol", "transport",
         "clean_session", "session_expiry_seconds", "heartbeat_interval_ms"];

    public void AppendRows(ConnectivityEvent message, List<object[]> rows)
    {
        var isDeviceEvent = message.Kind is ConnectivityEvent.Types.Kind.Connected or ConnectivityEvent.Types.Kind.Disconnected;
        if (message.Kind == ConnectivityEvent.Types.Kind.Unspecified || !Enum.IsDefined(message.Kind))
            throw new RowMappingException(RejectedMessage.Types.Reason.ValidationFailed, $"connectivity event of unknown kind {(int)message.Kind}");
        if (isDeviceEvent && string.IsNullOrEmpty(message.DeviceId))
            throw new RowMappingException(RejectedMessage.Types.Reason.ValidationFailed, "connect or disconnect without device_id");
        rows.Add([
            Timestamps.FromUnixMs(message.TsMs, "ts_ms"),
            message.DeviceId,
            EventName(message.Kind),
            message.Instance,
            message.ConnectionId,
            message.Reason,
            message.ClientAddress,
            message.Protocol,
            message.Transport,
            message.CleanSession,
            message.SessionExpirySeconds,
            (uint)Math.Clamp(message.HeartbeatIntervalMs, 0, uint.MaxValue),
        ]);
    }

    public string DeviceIdOf(ConnectivityEvent message) => message.DeviceId;

    /// <summary>The value of the event column for each kind.</summary>
    public static string EventName(ConnectivityEvent.Types.Kind kind) => kind switch
    {
        ConnectivityEvent.Types.Kind.Connected => "connect",
        ConnectivityEvent.Types.Kind.Disconnected => "disconnect",
        ConnectivityEvent.Types.Kind.InstanceStarted => "instance_started",
        ConnectivityEvent.Types.Kind.InstanceAlive => "instance_alive",
        ConnectivityEvent.Types.Kind.InstanceStopped => "instance_stopped",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
