using System.Buffers;
using MQTTnet.Channel;
using Pipeline.MqttBridge.Connections;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// Lets a burst of acknowledgements leave in one socket write (like TCP_CORK): between <see cref="Begin"/> and
/// <see cref="EndAsync"/>, what MQTTnet writes is copied into a buffer, which then goes out at once.
/// </summary>
/// <remarks>
/// Kafka confirms records in batches, so the PUBACKs of up to a window's publishes of a connection become due at
/// the same moment; one send() per 4-byte PUBACK was the largest part of the delivery thread's time (perf, docs/operations.md
/// "Bridge throughput"). Outside a batch every write goes straight through, after any bytes still held (the order
/// of packets on the wire is the order MQTTnet wrote them, which its adapter serializes). A disconnect writes what
/// is held first, so a DISCONNECT with its reason code written during a batch still reaches the device.
/// </remarks>
public sealed class CorkableChannel(IMqttChannel inner) : DelegatingChannel(inner), IWriteBatch
{
    // Above this the buffer is not kept between batches (a command PUBLISH went out in one).
    private const int KeptBufferBytes = 4096;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private ArrayBufferWriter<byte>? _held;
    private ArrayBufferWriter<byte>? _spare;
    private int _batches;

    public void Begin()
    {
        lock (_lock)
            _batches++;
    }

    public async Task EndAsync()
    {
        lock (_lock)
        {
            if (--_batches > 0)
                return;
        }
        await _writing.WaitAsync().ConfigureAwait(false);
        try
        {
            await WriteHeldAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    public override async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_batches > 0)
            {
                _held ??= _spare ?? new ArrayBufferWriter<byte>(256);
                _spare = null;
                foreach (var segment in buffer)
                    _held.Write(segment.Span);
                return;
            }
        }
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
            await Inner.WriteAsync(buffer, isEndOfPacket, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    public override async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writing.Release();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The connection is going away anyway.
        }
        await Inner.DisconnectAsync(cancellationToken).ConfigureAwait(false);
    }

    // Called holding _writing: the held bytes leave before anything written after them.
    private async Task WriteHeldAsync(CancellationToken cancellationToken)
    {
        ArrayBufferWriter<byte>? held;
        lock (_lock)
        {
            held = _held;
            _held = null;
        }
        if (held is null || held.WrittenCount == 0)
            return;
        await Inner.WriteAsync(new ReadOnlySequence<byte>(held.WrittenMemory), true, cancellationToken).ConfigureAwait(false);
        if (held.Capacity > KeptBufferBytes)
            return;
        held.ResetWrittenCount();
        lock (_lock)
            _spare ??= held;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _writing.Dispose();
        base.Dispose(disposing);
    }
}
