using System.Collections.Concurrent;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// How far this instance has acted on iot.commands: per partition, the offset of the next command it has not
/// handled yet. Written by <see cref="CommandTail"/> after each command, published with every heartbeat and with
/// the stop record in iot.presence, so that the other instances know exactly which commands this one left
/// unanswered when it stops or dies.
/// </summary>
public sealed class CommandReadPositions
{
    private readonly ConcurrentDictionary<int, long> _next = new();
    private volatile IReadOnlyDictionary<int, long>? _from;

    /// <summary>Where reading starts on each partition (resolved offsets, not logical ones).</summary>
    public void Start(IEnumerable<KeyValuePair<int, long>> positions)
    {
        var from = new Dictionary<int, long>();
        foreach (var (partition, offset) in positions)
            _next[partition] = from[partition] = offset;
        _from = from;
        Started?.Invoke();
    }

    /// <summary>Reading started: the others should learn where at once (<see cref="Presence.InstanceHeartbeat"/>).</summary>
    public event Action? Started;

    /// <summary>
    /// Where this run started reading (null until it has): it never sees a command before these offsets, so the
    /// others never leave such a command to it.
    /// </summary>
    public IReadOnlyDictionary<int, long>? From => _from;

    public void Handled(int partition, long offset) => _next[partition] = offset + 1;

    /// <summary>Null until reading has started: an instance that reads nothing yet has answered for nothing.</summary>
    public IReadOnlyDictionary<int, long>? Snapshot() => _next.IsEmpty ? null : new Dictionary<int, long>(_next);
}
