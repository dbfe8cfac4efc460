namespace Pipeline.SinkWriter.Storage;

/// <summary>
/// What one destination's writer is going through, shared with its consumer loop (which pauses partitions
/// while inserts are being retried) and with /healthz.
/// </summary>
internal sealed class WriterState
{
    private volatile string? _failure;

    /// <summary>Set while an insert is being retried; the consumer pauses its partitions meanwhile.</summary>
    public bool IsRetrying => _failure is not null;

    public string? Failure => _failure;

    public void Retrying(string failure) => _failure = failure;

    public void Recovered() => _failure = null;
}
