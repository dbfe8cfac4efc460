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

    /// <param name="ends">Each partition's end when reading started: <see cref="From"/>.</param>
    /// <param name="starts">Where reading starts (resolved offsets, not logical ones); before the end while catching up.</param>
    public void Start(IEnumerable<KeyValuePair<int, long>> ends, IEnumerable<KeyValuePair<int, long>> starts)
    {
        var from = new Dictionary<int, long>(ends);
        var catchUpFrom = new Dictionary<int, long>();
        foreach (var (partition, offset) in starts)
        {
            _next[partition] = offset;
            if (!from.TryGetValue(partition, out var end) || offset < end)
                catchUpFrom[partition] = offset;
        }
        CatchUpFrom = catchUpFrom.Count == 0 ? null : catchUpFrom;
        ReadingSinceMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _from = from;
        Started?.Invoke();
    }

    /// <summary>Where this run's catch-up began, on the partitions it catches up on (null: it reads from the end only).</summary>
    public IReadOnlyDictionary<int, long>? CatchUpFrom { get; private set; }

    /// <summary>When this run began reading (null until it has): of the runs catching up over a command, the first answers for it.</summary>
    public long? ReadingSinceMs { get; private set; }

    /// <summary>Reading started: the others should learn where at once (<see cref="Presence.InstanceHeartbeat"/>).</summary>
    public event Action? Started;

    /// <summary>
    /// The end of each partition when this run started reading (null until it has), published as its readFrom.
    /// The others never leave a command before it to this run, and this run acts on one it reads while catching up
    /// only when no other run read it or reads it (<see cref="CommandDispatcher"/>).
    /// </summary>
    public IReadOnlyDictionary<int, long>? From => _from;

    /// <summary>Whether a command this run read was written before it started: read while catching up.</summary>
    public bool IsCatchUp(int partition, long offset) => _from is { } from && (!from.TryGetValue(partition, out var end) || offset < end);

    public void Handled(int partition, long offset) => _next[partition] = offset + 1;

    /// <summary>Null until reading has started: an instance that reads nothing yet has answered for nothing.</summary>
    public IReadOnlyDictionary<int, long>? Snapshot() => _next.IsEmpty ? null : new Dictionary<int, long>(_next);
}
