namespace Pipeline.RulesProcessor.Replay;

/// <summary>
/// The input offsets of one input partition whose output is already in one output topic, from the offset the
/// restarted task resumed at. Empty once processing has passed the last of them, so it costs nothing after the replay.
/// </summary>
public sealed class OutputLedger(IReadOnlySet<long> written)
{
    private readonly long _last = written.Count == 0 ? -1 : written.Max();
    private IReadOnlySet<long> _written = written;

    public static OutputLedger Empty { get; } = new(new HashSet<long>());

    public int Count => _written.Count;

    /// <summary>True when the output of the input record at <paramref name="offset"/> was already written.</summary>
    public bool AlreadyWritten(long offset)
    {
        if (_written.Count == 0)
            return false;
        if (offset > _last)
        {
            _written = Empty._written;
            return false;
        }
        return _written.Contains(offset);
    }
}
