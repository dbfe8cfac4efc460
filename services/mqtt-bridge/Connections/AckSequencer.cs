using System.Diagnostics;
using MQTTnet.Protocol;

namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// Sends QoS 1/2 acknowledgements in the order the PUBLISH packets arrived (MQTT-4.6.0-2), even
/// though Kafka confirms them later and a refusal is known at once. Each publish takes a ticket on
/// arrival; completing a ticket flushes every completed ticket at the head of the queue.
/// One flusher at a time keeps the wire order.
/// </summary>
public sealed class AckSequencer(Func<AckSequencer.Ticket, Task> send)
{
    private readonly Queue<Ticket> _queue = new();
    private readonly Lock _lock = new();
    private int _flushing;

    public sealed class Ticket(ushort packetId, MqttQualityOfServiceLevel qos, long receivedTimestamp)
    {
        public ushort PacketId { get; } = packetId;
        public MqttQualityOfServiceLevel Qos { get; } = qos;
        public long ReceivedTimestamp { get; } = receivedTimestamp;
        public MqttPubAckReasonCode Code { get; private set; }
        public string? ReasonString { get; private set; }
        internal bool IsCompleted { get; private set; }

        internal void Set(MqttPubAckReasonCode code, string? reason)
        {
            Code = code;
            ReasonString = reason;
            IsCompleted = true;
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

    /// <summary>Marks the ticket done and sends what can be sent; safe to call from any thread.</summary>
    public void Complete(Ticket ticket, MqttPubAckReasonCode code, string? reason = null)
    {
        lock (_lock)
            ticket.Set(code, reason);
        _ = FlushAsync();
    }

    private async Task FlushAsync()
    {
        while (Interlocked.CompareExchange(ref _flushing, 1, 0) == 0)
        {
            try
            {
                while (TryDequeueCompleted(out var ticket))
                    await send(ticket).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _flushing, 0);
            }
            // A ticket completed after our last look but before the flag was cleared: its Complete saw
            // the flag set and left, so take another turn.
            if (!HeadCompleted())
                return;
        }
    }

    private bool TryDequeueCompleted(out Ticket ticket)
    {
        lock (_lock)
        {
            if (_queue.TryPeek(out ticket!) && ticket.IsCompleted)
            {
                _queue.Dequeue();
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
