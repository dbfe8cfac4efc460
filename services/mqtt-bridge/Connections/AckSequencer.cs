using System.Diagnostics;
using MQTTnet.Protocol;

namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// Sends the acknowledgements of accepted QoS 1/2 publishes in the order the PUBLISH packets
/// arrived, although Kafka may confirm records of different topics out of order. Each publish
/// takes a ticket on arrival; completing a ticket flushes every completed ticket at the head of the
/// queue, one flusher at a time. A refusal is sent at once, ahead of publishes still waiting for
/// Kafka: when the buffer is full, the device must hear "quota exceeded" now, not after Kafka
/// returns (MQTT 5 matches acknowledgements by packet id, so clients accept this order).
/// With <paramref name="batch"/>, the acknowledgements one flush finds due leave the bridge in one socket write.
/// </summary>
public sealed class AckSequencer(Func<AckSequencer.Ticket, Task> send, IWriteBatch? batch = null)
{
    private readonly Queue<Ticket> _queue = new();
    private readonly Lock _lock = new();
    private int _flushing;
    private int _flushQueued;

    public sealed class Ticket(ushort packetId, MqttQualityOfServiceLevel qos, long receivedTimestamp)
    {
        public ushort PacketId { get; } = packetId;
        public MqttQualityOfServiceLevel Qos { get; } = qos;
        public long ReceivedTimestamp { get; } = receivedTimestamp;
        public MqttPubAckReasonCode Code { get; private set; }
        public string? ReasonString { get; private set; }
        internal bool IsCompleted { get; private set; }
        internal bool SentOutOfOrder { get; private set; }

        internal void Set(MqttPubAckReasonCode code, string? reason, bool immediately)
        {
            Code = code;
            ReasonString = reason;
            IsCompleted = true;
            SentOutOfOrder = immediately;
        }
    }

    public int Pending
    {
        get
        {
            lock (_lock)
                return _queue.Count;
        }
    }

    public Ticket Enqueue(ushort packetId, MqttQualityOfServiceLevel qos)
    {
        var ticket = new Ticket(packetId, qos, Stopwatch.GetTimestamp());
        lock (_lock)
            _queue.Enqueue(ticket);
        return ticket;
    }

    /// <summary>An accepted publish: its acknowledgement goes out after those of earlier publishes. Safe from any thread.</summary>
    public void Complete(Ticket ticket, MqttPubAckReasonCode code, string? reason = null)
    {
        lock (_lock)
            ticket.Set(code, reason, immediately: false);
        if (batch is null)
        {
            _ = FlushAsync();
            return;
        }
        // Kafka reports a batch of records one callback at a time, on its one delivery thread: flushing from the
        // thread pool instead lets the acknowledgements of the whole batch leave in one write, and keeps the socket
        // writes of every connection off that thread.
        if (Interlocked.Exchange(ref _flushQueued, 1) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static sequencer => sequencer.RunQueuedFlush(), this, preferLocal: false);
    }

    private void RunQueuedFlush()
    {
        // Cleared before looking: a ticket completed from here on queues another flush.
        Volatile.Write(ref _flushQueued, 0);
        _ = FlushAsync();
    }

    /// <summary>A refused publish: its acknowledgement goes out now.</summary>
    public void CompleteImmediately(Ticket ticket, MqttPubAckReasonCode code, string? reason = null)
    {
        lock (_lock)
            ticket.Set(code, reason, immediately: true);
        _ = SendAndFlushAsync(ticket);
    }

    private async Task SendAndFlushAsync(Ticket ticket)
    {
        await send(ticket).ConfigureAwait(false);
        // It may have been the head holding back completed tickets behind it.
        await FlushAsync().ConfigureAwait(false);
    }

    private async Task FlushAsync()
    {
        while (Interlocked.CompareExchange(ref _flushing, 1, 0) == 0)
        {
            batch?.Begin();
            try
            {
                while (TryDequeueCompleted(out var ticket))
                    await send(ticket).ConfigureAwait(false);
            }
            finally
            {
                if (batch is not null)
                    await EndBatchAsync(batch).ConfigureAwait(false);
                Volatile.Write(ref _flushing, 0);
            }
            // A ticket completed after our last look but before the flag was cleared: its Complete saw
            // the flag set and left, so take another turn.
            if (!HeadCompleted())
                return;
        }
    }

    private static async Task EndBatchAsync(IWriteBatch batch)
    {
        try
        {
            await batch.EndAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The device went away before its acknowledgements: it resends those publishes when it comes back.
        }
    }

    private bool TryDequeueCompleted(out Ticket ticket)
    {
        lock (_lock)
        {
            while (_queue.TryPeek(out ticket!) && ticket.IsCompleted)
            {
                _queue.Dequeue();
                if (!ticket.SentOutOfOrder)
                    return true;
            }
            return false;
        }
    }

    private bool HeadCompleted()
    {
        lock (_lock)
            return _queue.TryPeek(out var head) && head.IsCompleted;
    }
}
