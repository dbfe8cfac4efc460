namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// A connection's publishes waiting for Kafka: at most Limits:MaxInFlightPerConnection, which the CONNACK's Receive
/// Maximum tells MQTT 5 devices. Waiting for a free slot stops reading the connection (the device's backpressure).
/// Whether the window is open (something waits) or full is told to <see cref="IWindowWatcher"/>, which sends Kafka's
/// batch early when no connection could add to it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification =
    "SemaphoreSlim holds nothing to dispose unless its wait handle is used; Kafka's delivery reports may release slots after the connection ended.")]
public sealed class InFlightWindow(int size, IWindowWatcher? watcher = null)
{
    private readonly SemaphoreSlim _slots = new(size, size);
    private int _held;

    public int Size => size;

    /// <summary>True when every slot is taken: the device can send no further QoS 1/2 publish until it gets an acknowledgement.</summary>
    public bool IsFull => Volatile.Read(ref _held) >= size;

    public async ValueTask TakeAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var held = Interlocked.Increment(ref _held);
        if (watcher is null)
            return;
        if (held == 1)
            watcher.Opened();
        if (held == size)
            watcher.Filled();
    }

    /// <summary>The publish was acknowledged (or the acknowledgement could not be sent).</summary>
    public void Release()
    {
        var before = Interlocked.Decrement(ref _held) + 1;
        if (watcher is not null)
        {
            if (before == size)
                watcher.Unfilled();
            if (before == 1)
                watcher.Closed();
        }
        _slots.Release();
    }
}

/// <summary>Counts the connections whose in-flight windows are open (a publish waits for Kafka) and full.</summary>
/// <remarks>
/// A connection that ends with publishes Kafka never acknowledged stays counted as open, and as full if it was: the
/// two cancel out in "every open window is full", and an open one left over only makes that rarer (the linger applies).
/// </remarks>
public interface IWindowWatcher
{
    void Opened();
    void Closed();
    void Filled();
    void Unfilled();
}
