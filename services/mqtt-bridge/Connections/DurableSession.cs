using System.Text.Json;

namespace Pipeline.MqttBridge.Connections;

/// <summary>A topic filter a persistent session holds, with its QoS.</summary>
public sealed record DurableSubscription(string Topic, int Qos);

/// <summary>A QoS 1 command waiting in a persistent session for its device; dropped once <see cref="ExpiresAtMs"/> passed.</summary>
public sealed record QueuedCommand(string CommandId, byte[] Payload, int Qos, string? ContentType, long ExpiresAtMs);

/// <summary>
/// A device's persistent session as iot.sessions keeps it, so that any bridge instance can resume it: the instance
/// that last held it, its subscriptions, how long it outlives the connection, when the device left (null while
/// connected), and the commands queued for it since.
/// </summary>
public sealed record DurableSession(
    string Instance,
    IReadOnlyList<DurableSubscription> Subscriptions,
    uint ExpirySeconds,
    long? DisconnectedAtMs,
    IReadOnlyList<QueuedCommand> Queued)
{
    /// <summary>At most this many commands wait in one session (as MQTTnet's own limit per client).</summary>
    public const int MaxQueued = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Whether the session is past its expiry. A session whose instance was killed while the device was connected
    /// has no disconnect time; it counts from <paramref name="holderLastAliveMs"/>, the instance's last heartbeat.
    /// </summary>
    public bool ExpiredAt(long nowMs, long? holderLastAliveMs)
    {
        var left = DisconnectedAtMs ?? holderLastAliveMs;
        return left is { } at && at + ExpirySeconds * 1000L <= nowMs;
    }

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Null for a value that is not a readable session.</summary>
    public static DurableSession? Decode(byte[] value)
    {
        try
        {
            return JsonSerializer.Deserialize<DurableSession>(value, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
