using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// Where one device is, as iot.presence says: the bridge instance holding its connection (or, once it left, its
/// persistent session), since when, and how long such a session outlives the connection.
/// </summary>
public sealed record DevicePresence(
    string Instance,
    string ConnectionId,
    long SinceMs,
    bool Connected,
    bool Persistent,
    uint SessionExpirySeconds,
    long? DisconnectedAtMs)
{
    /// <summary>True while the instance holds the device: connected, or its persistent session has not expired yet.</summary>
    public bool HeldAt(long nowMs) =>
        Connected || (Persistent && DisconnectedAtMs is { } left && left + SessionExpirySeconds * 1000L > nowMs);
}

/// <summary>
/// A bridge instance's latest sign of life in iot.presence (key "instance/&lt;id&gt;"): its last heartbeat, or
/// when it stopped, and how far it had read iot.commands then (<see cref="ReadTo"/>: per partition, the offset of
/// the first command it had not yet acted on; null from an instance that was not reading yet, or an older bridge).
/// The others use those offsets to act on the commands it left unanswered when it stops or dies. <see cref="StartedMs"/>
/// tells one run of the instance from the next (an instance id kept across restarts, as in a compose file), and
/// <see cref="ReadFrom"/> where that run started reading: a run restarted after a command was written never sees it,
/// so it is never left to that run. A run that started by catching up (commands written while no instance read them,
/// or while the others may have died unseen) also says from where (<see cref="CatchUpFrom"/>) and when it began
/// reading (<see cref="ReadingSinceMs"/>): of the runs catching up over the same command, the one that began first
/// answers for it (<see cref="Commands.CommandResponsibility.ForCatchUp"/>).
/// </summary>
public sealed record InstancePresence(string Instance, long AliveMs, long HeartbeatMs, long? StoppedMs = null,
    IReadOnlyDictionary<int, long>? ReadTo = null, long? StartedMs = null, IReadOnlyDictionary<int, long>? ReadFrom = null,
    IReadOnlyDictionary<int, long>? CatchUpFrom = null, long? ReadingSinceMs = null)
{
    /// <summary>Missed heartbeats after which an instance counts as gone (crashed or killed).</summary>
    public const int MissedHeartbeats = 3;

    public bool LiveAt(long nowMs) => StoppedMs is null && AliveMs + MissedHeartbeats * HeartbeatMs > nowMs;

    /// <summary>Until when the instance read commands, as far as anyone knows.</summary>
    public long LastReadMs => StoppedMs ?? AliveMs;

    /// <summary>
    /// Whether this run reads (or may yet read) the command at this offset: false only when it says it started
    /// reading after it. A run not reading yet, or an older bridge that does not say, may: whoever leaves it a
    /// command keeps it until its positions show it read it, or that it never will (<see cref="NeverReads"/>).
    /// </summary>
    public bool Reads(int partition, long offset) => !NeverReads(partition, offset);

    /// <summary>This run started reading the partition after this offset (or does not read the partition at all).</summary>
    public bool NeverReads(int partition, long offset) =>
        ReadFrom is not null && (!ReadFrom.TryGetValue(partition, out var from) || offset < from);

    /// <summary>Whether this run had acted on the command at this offset (false when it cannot say).</summary>
    public bool HadRead(int partition, long offset) =>
        !NeverReads(partition, offset) && ReadTo is not null && ReadTo.TryGetValue(partition, out var next) && offset < next;

    /// <summary>A run that says when it started (<see cref="StartedMs"/>) but not yet where it reads from: it is starting.</summary>
    public bool NotReadingYet => StartedMs is not null && ReadFrom is null;

    /// <summary>
    /// This run reads the command at this offset while catching up: written before the run started reading, at or after
    /// where its catch-up began.
    /// </summary>
    public bool CatchesUp(int partition, long offset) =>
        CatchUpFrom is not null && CatchUpFrom.TryGetValue(partition, out var from) && from <= offset && NeverReads(partition, offset);

    /// <summary>
    /// This run read the command while catching up, and acted on it or left it to one that reads it (never to a run
    /// that began reading after this one).
    /// </summary>
    public bool HadReadCatchingUp(int partition, long offset) =>
        CatchesUp(partition, offset) && ReadTo is not null && ReadTo.TryGetValue(partition, out var next) && offset < next;

    /// <summary>Whether this run began reading before the other (by <see cref="ReadingSinceMs"/>, then instance id): the one to answer for a command both catch up over.</summary>
    public static bool BeganReadingBefore(long sinceMs, string instance, long otherSinceMs, string otherInstance) =>
        sinceMs != otherSinceMs ? sinceMs < otherSinceMs : string.CompareOrdinal(instance, otherInstance) < 0;

    /// <summary>Whether a device record written when the device connected at <paramref name="sinceMs"/> is this run's (not an earlier one's).</summary>
    public bool RunHolds(long sinceMs) => StartedMs is not { } started || sinceMs >= started;
}

/// <summary>The JSON of iot.presence's values and the keys of instance records.</summary>
public static class PresenceCodec
{
    public const string InstanceKeyPrefix = "instance/";

    public static string InstanceKey(string instance) => InstanceKeyPrefix + instance;

    // Source-generated (PresenceJson): every connect writes one record and every instance reads every record back; the
    // reflection-based serializer's encoding alone was about 4% of the bridge's CPU in a storm profile (docs/operations.md).
    public static byte[] Encode(DevicePresence presence) => JsonSerializer.SerializeToUtf8Bytes(presence, PresenceJson.Default.DevicePresence);

    public static byte[] Encode(InstancePresence presence) => JsonSerializer.SerializeToUtf8Bytes(presence, PresenceJson.Default.InstancePresence);

    /// <summary>Null for a value that is not a readable presence (logged by the caller, never fatal).</summary>
    public static DevicePresence? DecodeDevice(byte[] value) => Decode(value, PresenceJson.Default.DevicePresence);

    public static InstancePresence? DecodeInstance(byte[] value) => Decode(value, PresenceJson.Default.InstancePresence);

    private static T? Decode<T>(byte[] value, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(value, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// The presence records' JSON as the web defaults write it (camelCase names, nulls left out), generated at build
/// time; the same bytes the reflection-based serializer wrote, so instances of either version read each other.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DevicePresence))]
[JsonSerializable(typeof(InstancePresence))]
internal sealed partial class PresenceJson : JsonSerializerContext;
