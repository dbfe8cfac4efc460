using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Options;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// This instance's copy of iot.presence, followed from the beginning like every compacted topic: where each device
/// is held and which bridge instances are alive. <see cref="DeviceChanged"/> tells about every device record as it
/// arrives (after catching up too), which is how an instance learns that another one took its device over.
/// </summary>
public sealed class PresenceView(KafkaClientFactory kafka, IOptions<KafkaTopics> topics, IOptions<BridgeOptions> bridge, ILogger<PresenceView> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, DevicePresence> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InstancePresence> _instances = new(StringComparer.Ordinal);
    private readonly PresenceHistory _history = new();
    private CompactedTopicFollower? _follower;
    private volatile InstancePresence? _earlierRun;
    private volatile bool _ready;

    public string Self { get; } = bridge.Value.InstanceId;

    /// <summary>When this process started: tells its records from those of an earlier run with the same instance id.</summary>
    public long StartedMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public bool IsReady => _ready;

    public string Status { get; private set; } = "not started";

    /// <summary>A device's presence record arrived (null: a tombstone, the device left without a session).</summary>
    public event Action<string, DevicePresence?>? DeviceChanged;

    public bool TryGet(string deviceId, out DevicePresence presence) => _devices.TryGetValue(deviceId, out presence!);

    /// <summary>
    /// The device's record in force at <paramref name="asOfMs"/> (null: nobody held it then), as far as this view has
    /// read: after <see cref="Settle"/> for that time, every instance gets the same answer.
    /// </summary>
    public DevicePresence? AsOf(string deviceId, long asOfMs) =>
        _history.TryGetAsOf(deviceId, asOfMs, out var then) ? then : _devices.TryGetValue(deviceId, out var now) ? now : null;

    /// <summary>Whether an instance other than this one looks live.</summary>
    public bool OthersLive(long nowMs) => _instances.Values.Any(i => i.Instance != Self && i.LiveAt(nowMs));

    /// <summary>
    /// Waits until this view holds every device record of an event at or before <paramref name="asOfMs"/>: until
    /// <paramref name="writeAllowance"/> (the longest a bridge takes to write a record) has passed since then, and
    /// this view has read iot.presence up to where it ended at that moment. False when Kafka did not let it say so
    /// within <paramref name="limit"/>; the caller then decides on what it has.
    /// </summary>
    public bool Settle(long asOfMs, TimeSpan writeAllowance, TimeSpan limit, CancellationToken stop)
    {
        if (_follower is not { } follower)
            return false;
        var takenBy = asOfMs + (long)writeAllowance.TotalMilliseconds;
        if (follower.HasReadAllTakenBefore(takenBy))
            return true;
        // A little past that moment, so that one look at Kafka settles the commands written right after this one too.
        var wait = takenBy + SettleBatchMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (wait > 0 && stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(wait)))
            stop.ThrowIfCancellationRequested();
        return follower.ReadAllTakenBefore(takenBy, limit, stop);
    }

    private const long SettleBatchMs = 100;

    /// <summary>This instance, and every other one whose heartbeat in iot.presence is recent enough.</summary>
    public IReadOnlyList<string> LiveInstances(long nowMs) =>
        _instances.Values.Where(i => i.LiveAt(nowMs)).Select(i => i.Instance).Append(Self).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Where this instance, starting, reads iot.commands from (null: the end). When other instances look live, from
    /// the least far any of them (or this instance's earlier run, killed moments ago) has read: one may have died
    /// moments before this start, its heartbeats not yet missed, while no other read after it. What a live one
    /// reads is left to it (<see cref="Commands.CommandDispatcher"/>). When none is live (this one starts alone,
    /// after the last one stopped or died), from where the last one to read them got to, so commands written while
    /// no bridge ran are not lost (null when no instance ever ran). Read offsets say that exactly; an older record
    /// has only the time.
    /// </summary>
    public CommandsCatchUp? CommandsCatchUpFrom(long nowMs)
    {
        // A run that is starting too reads nothing yet: it covers no command, and it does the same sum for itself (two
        // bridges started together after all were down would otherwise each read from the end, and answer for nothing).
        var others = _instances.Values.Where(i => i.Instance != Self && !i.NotReadingYet).ToList();
        var liveLooking = others.Append(_earlierRun).OfType<InstancePresence>().Where(i => i.LiveAt(nowMs)).ToList();
        if (liveLooking.Count > 0)
        {
            var least = liveLooking.Where(i => i.ReadTo is not null).SelectMany(i => i.ReadTo!)
                .GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Min(e => e.Value));
            return least.Count == 0 ? null : new CommandsCatchUp(null, least);
        }
        // This instance's own heartbeats since it started say nothing of the time before; its earlier run's last record does.
        var last = others.Append(_earlierRun).OfType<InstancePresence>().MaxBy(i => i.LastReadMs);
        return last is null ? null : new CommandsCatchUp(last.LastReadMs, last.ReadTo);
    }

    /// <summary>
    /// Whether another run (another instance's latest, or this instance's earlier one) had read the command at this
    /// offset: it acted on it, or left it to an instance that did. A command this instance reads while catching up
    /// is then not answered again. A run that caught up over it counts only when it began reading before this one
    /// (<paramref name="readingSinceMs"/>): a later one leaves such a command to this one.
    /// </summary>
    public bool ReadByAnotherRun(int partition, long offset, long readingSinceMs) =>
        _instances.Values.Any(i => i.Instance != Self && (i.HadRead(partition, offset)
            || (i.HadReadCatchingUp(partition, offset) && i.ReadingSinceMs is { } since && InstancePresence.BeganReadingBefore(since, i.Instance, readingSinceMs, Self))))
        || _earlierRun is { } earlier && (earlier.HadRead(partition, offset) || earlier.HadReadCatchingUp(partition, offset));

    /// <summary>
    /// The live instances (not this one) whose current run catches up over the command at this offset, with when each
    /// began reading (<see cref="InstancePresence.CatchesUp"/>).
    /// </summary>
    public IEnumerable<(string Instance, long ReadingSinceMs)> OthersCatchingUp(int partition, long offset, long nowMs) =>
        _instances.Values.Where(i => i.Instance != Self && i.LiveAt(nowMs) && i.ReadingSinceMs is not null && i.CatchesUp(partition, offset))
            .Select(i => (i.Instance, i.ReadingSinceMs!.Value));

    /// <summary>
    /// Whether another instance is live and reads the command at this offset as it arrives (not catching up): its run
    /// said it started reading before it, or it is an older bridge that does not say. A run that is starting
    /// (<see cref="InstancePresence.NotReadingYet"/>) will read it, if at all, while catching up.
    /// </summary>
    public bool ReadsAsWritten(string instance, int partition, long offset, long nowMs) =>
        instance != Self && _instances.TryGetValue(instance, out var i) && i.LiveAt(nowMs) && !i.NotReadingYet && i.Reads(partition, offset);

    /// <summary>An instance's latest record (heartbeat or stop); null when none is known, or for this instance.</summary>
    public InstancePresence? InstanceRecord(string instance) =>
        instance != Self && _instances.TryGetValue(instance, out var i) ? i : null;

    /// <summary>The last heartbeat of an instance that is not this one (null: this one, or none known).</summary>
    public long? LastAlive(string instance) =>
        instance != Self && _instances.TryGetValue(instance, out var i) ? i.LastReadMs : null;

    public bool IsLive(string instance, long nowMs) =>
        instance == Self || (_instances.TryGetValue(instance, out var i) && i.LiveAt(nowMs));

    /// <summary>
    /// Whether an instance can act on the command at this iot.commands offset: this one (it is reading it), or
    /// another live one whose current run reads it or may yet (<see cref="InstancePresence.Reads"/>). A run that
    /// started reading after the command (an instance restarted since) never sees it.
    /// </summary>
    public bool CanAct(string instance, int partition, long offset, long nowMs) =>
        instance == Self || (_instances.TryGetValue(instance, out var i) && i.LiveAt(nowMs) && i.Reads(partition, offset));

    /// <summary>
    /// Whether the instance a device record names still holds the device: false when the record was written by an
    /// earlier run of that instance id (the device connected before the instance last started), whose connections
    /// and in-memory sessions died with it.
    /// </summary>
    public bool HeldByCurrentRun(DevicePresence presence) =>
        presence.Instance == Self ? presence.SinceMs >= StartedMs
            : !_instances.TryGetValue(presence.Instance, out var i) || i.RunHolds(presence.SinceMs);

    /// <summary>
    /// The live instance that answers for a device nobody holds (records its commands as offline): of those that
    /// can act on the command, the one with the highest hash of (instance, device), so every instance with the same
    /// view picks the same one, and an instance joining or leaving moves only its share of the devices.
    /// </summary>
    public string OwnerOf(string deviceId, long nowMs, Func<string, bool> canAct) =>
        LiveInstances(nowMs).Where(canAct).DefaultIfEmpty(Self).MaxBy(instance => Fnv1a(instance + "\n" + deviceId))!;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var follower = _follower = new CompactedTopicFollower(kafka, topics.Value.Presence, "presence", logger, asksEnds: true);
        return Task.Factory.StartNew(() =>
        {
            follower.Run(Apply, () =>
            {
                CaughtUp();
                return Status = $"following {topics.Value.Presence}";
            }, stoppingToken);
            if (!_ready)
                Status = follower.Status;
        }, stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The view has read iot.presence to the end it had when it started: routing can use it, and changes are kept from now on.</summary>
    internal void CaughtUp() => _ready = true;

    internal void Apply(ConsumeResult<string?, byte[]?> result)
    {
        if (result.Message.Key is not { Length: > 0 } key)
            return;
        if (key.StartsWith(PresenceCodec.InstanceKeyPrefix, StringComparison.Ordinal))
        {
            var instance = key[PresenceCodec.InstanceKeyPrefix.Length..];
            if (result.Message.Value is null)
                _instances.TryRemove(instance, out _);
            else if (PresenceCodec.DecodeInstance(result.Message.Value) is { } alive)
            {
                _instances[instance] = alive;
                if (instance == Self && alive.StartedMs != StartedMs)
                    _earlierRun = alive; // overwritten by this run's own heartbeats in _instances, kept here
            }
            return;
        }
        DevicePresence? presence = null;
        DevicePresence? previous;
        if (result.Message.Value is null)
        {
            _devices.TryRemove(key, out previous);
        }
        else if ((presence = PresenceCodec.DecodeDevice(result.Message.Value)) is not null)
        {
            _devices.TryGetValue(key, out previous);
            _devices[key] = presence;
        }
        else
        {
            logger.LogWarning("Presence record of {DeviceId} at {Offset} is unreadable; ignored", key, result.TopicPartitionOffset);
            return;
        }
        // Only changes read while following: commands are decided once the view caught up, and keeping the replay of
        // a whole fleet's records would cost memory in proportion to the fleet. Only while other instances are live:
        // an instance alone decides on its own connections (and a fleet's reconnect storm costs it nothing here).
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (_ready && OthersLive(nowMs))
        {
            var writtenMs = result.Message.Timestamp.Type == TimestampType.NotAvailable ? nowMs : result.Message.Timestamp.UnixTimestampMs;
            _history.Changed(key, previous, presence, PresenceHistory.EventTimeOf(presence, writtenMs), nowMs);
        }
        try
        {
            DeviceChanged?.Invoke(key, presence);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Acting on the presence of {DeviceId} failed", key);
        }
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}

/// <summary>
/// Where a starting bridge reads iot.commands from: these offsets, else (partitions without one) this time, or the
/// end when <see cref="FromMs"/> is null.
/// </summary>
public sealed record CommandsCatchUp(long? FromMs, IReadOnlyDictionary<int, long>? ReadTo);
