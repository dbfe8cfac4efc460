using System.Buffers;
using MQTTnet.Channel;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// Receives from the connection in chunks and serves MQTTnet's small reads from them.
/// </summary>
/// <remarks>
/// MQTTnet reads a packet in pieces (the 2-byte fixed header, then the rest), and each piece was a receive call
/// on the socket. A telemetry PUBLISH is 100-200 bytes, so one chunk usually holds the whole packet, often the
/// next one too: one system call per packet or fewer instead of two or three. Under load the bridge spent most of
/// its CPU in the kernel (perf). Reads at least a chunk long go straight to the connection.
/// With <paramref name="waitWithoutBuffer"/> (sockets and TLS streams, which support zero-byte reads) an idle
/// connection holds no chunk: it first waits for data with a zero-byte read, then rents a chunk from the shared
/// pool for as long as it holds unread bytes. Most connections of a fleet are idle most of the time.
/// Every byte received passes <paramref name="guard"/> (when given) before MQTTnet sees it.
/// A <see cref="StreamChannel"/> (TCP and TLS) is read through its stream directly, so a socket read passes one
/// async layer (this one) between MQTTnet's adapter and the socket.
/// </remarks>
public sealed class ReadAheadChannel(IMqttChannel inner, int chunkBytes = 512, bool waitWithoutBuffer = false, PacketSizeGuard? guard = null)
    : DelegatingChannel(inner), Connections.IReadReadiness
{
    private byte[]? _chunk;
    private int _start;
    private int _end;
    // Set by WaitForDataAsync: the next read finds data (or the end) without a zero-byte wait of its own.
    private bool _waited;

    /// <summary>Whether a chunk is held now (for tests: an idle connection that waits without a buffer holds none).</summary>
    public bool HoldsChunk => _chunk is not null;

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_start < _end || count == 0)
            return Take(buffer, offset, count);
        try
        {
            var waited = _waited;
            _waited = false;
            if (count >= chunkBytes)
            {
                var direct = await ReadInnerAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                if (direct > 0)
                    guard?.Inspect(buffer.AsSpan(offset, direct));
                return direct;
            }
            if (waitWithoutBuffer && _chunk is null && !waited)
            {
                // Returns when data arrived or the connection ended; the read below tells which.
                await ReadInnerAsync([], 0, 0, cancellationToken).ConfigureAwait(false);
            }
            _chunk ??= waitWithoutBuffer ? ArrayPool<byte>.Shared.Rent(chunkBytes) : new byte[chunkBytes];
            var read = await ReadInnerAsync(_chunk, 0, chunkBytes, cancellationToken).ConfigureAwait(false);
            if (read <= 0)
            {
                Release();
                return read;
            }
            guard?.Inspect(_chunk.AsSpan(0, read));
            (_start, _end) = (0, read);
            return Take(buffer, offset, count);
        }
        catch (ObjectDisposedException) when (Inner is StreamChannel)
        {
            // Closed by the bridge (a takeover, the CONNECT deadline): the end of the connection, as MQTTnet's TCP channel read it.
            Release();
            return 0;
        }
    }

    /// <summary>
    /// The zero-byte wait on its own, for the connection's owner to await before MQTTnet's adapter reads (DeviceConnection):
    /// an idle connection then keeps no pending read of the adapter's chain (four state machines, about 0.6 KiB), and
    /// once bytes arrived, the chain reads the whole packet from the chunk without suspending.
    /// </summary>
    public ValueTask<int> WaitForDataAsync(CancellationToken cancellationToken)
    {
        if (!waitWithoutBuffer || _start < _end)
            return ValueTask.FromResult(0);
        _waited = true;
        return ReadInnerAsync([], 0, 0, cancellationToken);
    }

    // Not async: a pending read of an idle connection keeps one state machine (ReadAsync's), not two.
    private ValueTask<int> ReadInnerAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Inner is StreamChannel stream
            ? stream.ReadDirectAsync(buffer.AsMemory(offset, count), cancellationToken)
            : new ValueTask<int>(Inner.ReadAsync(buffer, offset, count, cancellationToken));

    private int Take(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(count, _end - _start);
        if (n > 0)
            Buffer.BlockCopy(_chunk!, _start, buffer, offset, n);
        _start += n;
        if (_start >= _end)
            Release();
        return n;
    }

    /// <summary>Gives a pooled chunk back once everything in it was served (a plain one is kept: no zero-byte waits).</summary>
    private void Release()
    {
        if (!waitWithoutBuffer || _chunk is null)
            return;
        ArrayPool<byte>.Shared.Return(_chunk);
        _chunk = null;
        (_start, _end) = (0, 0);
    }
}
