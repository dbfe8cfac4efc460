using Microsoft.Extensions.Options;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.Kafka;

/// <summary>
/// Sends the producer's waiting batches at once, instead of after the rest of <see cref="BridgeOptions.LingerMs"/>,
/// when every connection with publishes waiting for Kafka holds its whole in-flight window. The linger gathers records
/// that are still coming; a device holding its whole Receive Maximum of unacknowledged publishes cannot send another
/// until it gets a PUBACK, and its PUBACKs wait for that very batch. When all of them are in that state, nothing can
/// join the batch and the rest of the linger is pure delay (docs/operations.md, "Bridge throughput": 8 connections x
/// 100 in flight moved in lockstep, one linger per round).
/// </summary>
/// <remarks>
/// Only when every open window is full: sending when any one window filled made batches small while other devices
/// were still adding to them, and under overload cost the bridge a third of its acknowledged rate (bench, 2026-12-08).
/// librdkafka treats linger.ms as zero while a flush call is under way (since 1.8, "Override linger.ms when
/// flush()ing"), so one short flush on a thread of its own sends what is queued. Signals that come while a flush runs
/// are merged into the next one.
/// </remarks>
public sealed class FullWindowSender : Connections.IWindowWatcher, IDisposable
{
    // Long enough for the woken broker thread to see the flush under way; short, so that records arriving after the
    // window-full signal are batched with the linger again rather than sent one by one.
    private static readonly TimeSpan FlushSpan = TimeSpan.FromMilliseconds(1);

    private readonly BridgeProducer _producer;
    private readonly SemaphoreSlim _due = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread? _thread;

    public FullWindowSender(BridgeProducer producer, IOptions<BridgeOptions> bridge)
    {
        _producer = producer;
        Enabled = bridge.Value.SendWhenWindowFull && bridge.Value.LingerMs > 0;
        if (!Enabled)
            return;
        _thread = new Thread(Run) { IsBackground = true, Name = "bridge-full-window-sender" };
        _thread.Start();
    }

    /// <summary>False with <see cref="BridgeOptions.SendWhenWindowFull"/> off or no linger to cut.</summary>
    public bool Enabled { get; }

    private int _open;
    private int _full;

    public void Opened() => Interlocked.Increment(ref _open);
    public void Closed() => Interlocked.Decrement(ref _open);
    public void Filled() => Interlocked.Increment(ref _full);
    public void Unfilled() => Interlocked.Decrement(ref _full);

    /// <summary>
    /// A publish of a connection whose window is full was handed to Kafka: when every open window is full, what Kafka
    /// has queued goes out without waiting.
    /// </summary>
    public void Produced()
    {
        // A send already due takes this signal with it.
        if (!Enabled || Volatile.Read(ref _full) < Volatile.Read(ref _open) || _due.CurrentCount > 0)
            return;
        try
        {
            _due.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another signal got there between the look and the release.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                _due.Wait(_stopping.Token);
                Hosting.BridgeMetrics.FullWindowSends.Inc();
                try
                {
                    _producer.Flush(FlushSpan);
                }
                catch (Confluent.Kafka.KafkaException)
                {
                    // A delivery handler's failure is the producer's to report; the next full window flushes again.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
            // The producer went away at shutdown.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _stopping.Dispose();
    }
}
