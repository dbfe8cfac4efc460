using MQTTnet.Channel;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// Receives from the connection in chunks and serves MQTTnet's small reads from them.
/// </summary>
/// <remarks>
/// MQTTnet reads a packet in pieces (the 2-byte fixed header, then the rest), and each piece was a receive call
/// on the socket. A telemetry PUBLISH is 100-200 bytes, so one chunk usually holds the whole packet, often the
/// next one too: one system call per packet or fewer instead of two or three. Under load the bridge spent most of
/// its CPU in the kernel (perf). Reads at least a chunk long go straight to the connection. The chunk is small
/// because every idle connection keeps one.
/// </remarks>
public sealed class ReadAheadChannel(IMqttChannel inner, int chunkBytes = 512) : DelegatingChannel(inner)
{
    private byte[]? _chunk;
    private int _start;
    private int _end;

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_start < _end || count == 0)
            return Take(buffer, offset, count);
        if (count >= chunkBytes)
            return await Inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        _chunk ??= new byte[chunkBytes];
        var read = await Inner.ReadAsync(_chunk, 0, chunkBytes, cancellationToken).ConfigureAwait(false);
        if (read <= 0)
            return read;
        (_start, _end) = (0, read);
        return Take(buffer, offset, count);
    }

    private int Take(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(count, _end - _start);
        if (n > 0)
            Buffer.BlockCopy(_chunk!, _start, buffer, offset, n);
        _start += n;
        return n;
    }
}
