namespace Pipeline.Cli.Simulation;

/// <summary>Thread-safe tallies of a simulation run; acknowledged metric values are what `SELECT count()` must show.</summary>
public sealed class SimulationCounters
{
    private long _sent, _acknowledged, _refused, _failed, _acknowledgedMetricValues, _duplicatesSent, _malformedSent, _connected, _failedDevices;
    private string? _firstFailure, _firstDeviceFailure;

    public long Sent => Interlocked.Read(ref _sent);
    public long Acknowledged => Interlocked.Read(ref _acknowledged);
    public long Refused => Interlocked.Read(ref _refused);
    public long Failed => Interlocked.Read(ref _failed);
    public long AcknowledgedMetricValues => Interlocked.Read(ref _acknowledgedMetricValues);
    public long DuplicatesSent => Interlocked.Read(ref _duplicatesSent);
    public long MalformedSent => Interlocked.Read(ref _malformedSent);
    public long Connected => Interlocked.Read(ref _connected);

    public void OnConnected() => Interlocked.Increment(ref _connected);
    public void OnDisconnected() => Interlocked.Decrement(ref _connected);
    public void OnSent(SimulatedMessage message)
    {
        Interlocked.Increment(ref _sent);
        if (message.IsDuplicate) Interlocked.Increment(ref _duplicatesSent);
        if (message.IsMalformed) Interlocked.Increment(ref _malformedSent);
    }

    /// <summary>
    /// <paramref name="firstAckOfSeq"/>: the device had no earlier acknowledgement of this seq. A
    /// resend of an acknowledged seq is stored once by the pipeline, so its values count once.
    /// </summary>
    public void OnAcknowledged(SimulatedMessage message, bool firstAckOfSeq)
    {
        Interlocked.Increment(ref _acknowledged);
        if (firstAckOfSeq && !message.IsMalformed)
            Interlocked.Add(ref _acknowledgedMetricValues, message.MetricCount);
    }

    public void OnRefused() => Interlocked.Increment(ref _refused);
    /// <summary>A publish with no answer; the first one's error is kept so the summary can say what happened.</summary>
    public void OnFailed(string deviceId, Exception error, string? connectionLost)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.CompareExchange(ref _firstFailure,
            $"{deviceId}: {error.GetType().Name}: {error.Message}{(connectionLost is null ? "" : $" (connection lost: {connectionLost})")}", null);
    }

    /// <summary>A device that could not run at all (its connect was refused or failed).</summary>
    public void OnDeviceFailed(string deviceId, Exception error)
    {
        Interlocked.Increment(ref _failedDevices);
        Interlocked.CompareExchange(ref _firstDeviceFailure, $"{deviceId}: {error.Message}", null);
    }

    public long FailedDevices => Interlocked.Read(ref _failedDevices);
    public string? FirstFailure => Volatile.Read(ref _firstFailure);
    public string? FirstDeviceFailure => Volatile.Read(ref _firstDeviceFailure);
}
