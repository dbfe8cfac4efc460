namespace Pipeline.MqttBridge.Ingest;

/// <summary>
/// The bytes of accepted payload still waiting for Kafka. Reservation fails when the buffer is full
/// (MQTT 5 publishes are then refused with 0x97); MQTT 3.1.1 connections wait for space instead,
/// which stops reading their sockets and pushes back through TCP.
/// </summary>
public sealed class IngestBuffer(long capacityBytes)
{
    private long _used;
    private int _waiters;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long CapacityBytes => capacityBytes;

    public long UsedBytes => Interlocked.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            // A single message larger than the whole buffer is still let through when the buffer is empty.
            if (used + bytes > capacityBytes && used > 0)
                return false;
            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
                return true;
        }
    }

    public async Task ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        if (TryReserve(bytes))
            return;
        Interlocked.Increment(ref _waiters);
        try
        {
            while (true)
            {
                var released = Volatile.Read(ref _released).Task;
                if (TryReserve(bytes))
                    return;
                await released.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    public void Release(long bytes)
    {
        Interlocked.Add(ref _used, -bytes);
        // Only wake waiters when there are some: the common path (nobody waiting) allocates nothing.
        if (Volatile.Read(ref _waiters) == 0)
            return;
        var previous = Interlocked.Exchange(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }
}
