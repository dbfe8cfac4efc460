namespace Pipeline.MqttBridge.Commands;

/// <summary>One thing that became of a command: accepted, sent, delivered, offline, expired, unknown_device.</summary>
public sealed record CommandOutcome(string DeviceId, string Outcome, string? Detail, string Instance, DateTimeOffset At);

/// <summary>
/// The outcomes of this instance's recent commands, for GET /commands/&lt;id&gt;, bounded to the newest
/// <c>capacity</c> commands. Every outcome also goes to iot.events (CommandOutcomes), which is the full history
/// across instances that `./pipeline commands show` reads.
/// </summary>
public sealed class CommandOutcomeLog(int capacity)
{
    private readonly Dictionary<string, List<CommandOutcome>> _byCommand = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    public void Add(string commandId, CommandOutcome outcome)
    {
        lock (_lock)
        {
            if (!_byCommand.TryGetValue(commandId, out var list))
            {
                while (_order.Count >= capacity && _order.TryDequeue(out var oldest))
                    _byCommand.Remove(oldest);
                _byCommand[commandId] = list = [];
                _order.Enqueue(commandId);
            }
            list.Add(outcome);
        }
    }

    /// <summary>The outcomes in the order they happened, or null when this instance knows nothing of the command.</summary>
    public IReadOnlyList<CommandOutcome>? Of(string commandId)
    {
        lock (_lock)
            return _byCommand.TryGetValue(commandId, out var list) ? [.. list] : null;
    }
}
