using Confluent.Kafka;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Commands this instance read and left to another one (<see cref="CommandResponsibility"/>), kept until that
/// instance's heartbeat shows it has acted on them. If it stops or dies first, the ones it had not read are released
/// to be decided again with the view that no longer counts it: a command sent as an instance stops (or shortly
/// before it dies) still gets its one outcome. The other instance's read positions come with its heartbeats and its
/// stop record (<see cref="InstancePresence.ReadTo"/>), so after a stop nothing is answered twice; after a crash,
/// the commands it acted on after its last heartbeat are answered again (at least once, like any crash). An instance
/// that comes back under the same id (a new <see cref="InstancePresence.StartedMs"/>) read none of what was left to
/// its earlier run after that run's last heartbeat: those are released too.
/// </summary>
public sealed class DeferredCommands(int capacity = DeferredCommands.DefaultCapacity)
{
    /// <summary>About one heartbeat interval of commands at a high command rate; beyond it the oldest are forgotten.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Dictionary<string, List<Deferred>> _byInstance = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private int _count;

    public int Count => _count;

    /// <summary>Commands forgotten because the capacity was reached (their instance's heartbeat came too late).</summary>
    public long Dropped { get; private set; }

    /// <param name="run">The instance's <see cref="InstancePresence.StartedMs"/> when the command was left to it.</param>
    /// <param name="catchingUp">Left to a run that catches up over it and began reading before this one (<see cref="CommandResponsibility.ForCatchUp"/>).</param>
    public void Defer(string instance, long? run, ConsumeResult<string?, byte[]?> command, bool catchingUp = false)
    {
        lock (_lock)
        {
            if (!_byInstance.TryGetValue(instance, out var list))
                _byInstance[instance] = list = [];
            if (_count >= capacity && list.Count > 0)
            {
                list.RemoveAt(0);
                _count--;
                Dropped++;
            }
            if (_count >= capacity)
                return;
            list.Add(new Deferred(command, run, catchingUp));
            _count++;
        }
    }

    /// <summary>
    /// Forgets the commands their instance has acted on, and takes out, in the order read, those whose instance is
    /// gone (stopped, or its heartbeats stopped) without having read them.
    /// </summary>
    /// <param name="instanceRecord">The instance's latest record in iot.presence; null when none is known.</param>
    public IReadOnlyList<ConsumeResult<string?, byte[]?>> Release(Func<string, InstancePresence?> instanceRecord, long nowMs)
    {
        var released = new List<ConsumeResult<string?, byte[]?>>();
        lock (_lock)
        {
            foreach (var (instance, list) in _byInstance)
            {
                var record = instanceRecord(instance);
                var before = list.Count;
                list.RemoveAll(deferred =>
                {
                    var fate = FateOf(deferred, record, nowMs);
                    if (fate == Fate.Release)
                        released.Add(deferred.Command);
                    return fate != Fate.Keep;
                });
                _count -= before - list.Count;
            }
            foreach (var empty in _byInstance.Where(e => e.Value.Count == 0).Select(e => e.Key).ToList())
                _byInstance.Remove(empty);
        }
        return released;
    }

    private static Fate FateOf(Deferred deferred, InstancePresence? record, long nowMs)
    {
        var (command, run, catchingUp) = deferred;
        if (record is null)
            return Fate.Release; // nothing is known of it any more
        var sameRun = run is null || record.StartedMs is null || run == record.StartedMs;
        if (catchingUp)
            return !sameRun ? Fate.Release
                : record.HadReadCatchingUp(command.Partition.Value, command.Offset.Value) ? Fate.Forget
                : record.LiveAt(nowMs) ? Fate.Keep
                : Fate.Release;
        // A later run that says where it started reading has read it only if it started at or before it (a lone
        // starter catching up); one that does not say cannot be trusted with its earlier run's commands.
        if ((sameRun || record.ReadFrom is not null) && record.HadRead(command.Partition.Value, command.Offset.Value))
            return Fate.Forget;
        if (!sameRun)
            return Fate.Release; // it came back under the same id; its earlier run's last heartbeat has been superseded
        if (record.NeverReads(command.Partition.Value, command.Offset.Value))
            return Fate.Release; // left to it before it said where it started reading, which was after the command
        if (record.LiveAt(nowMs))
            return Fate.Keep;
        // Gone without having read it. Without read positions (an older bridge), its last sign of life is the best bound.
        return record.ReadTo is not null || WrittenAtOrAfter(command, record.LastReadMs) ? Fate.Release : Fate.Forget;
    }

    private enum Fate
    {
        Keep,
        Forget,
        Release,
    }

    private readonly record struct Deferred(ConsumeResult<string?, byte[]?> Command, long? Run, bool CatchingUp);

    private static bool WrittenAtOrAfter(ConsumeResult<string?, byte[]?> command, long? timeMs) =>
        timeMs is not { } from || command.Message.Timestamp.Type == TimestampType.NotAvailable || command.Message.Timestamp.UnixTimestampMs >= from;
}
