using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using MQTTnet.Exceptions;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// The channel of an accepted TCP or TLS connection: its socket's stream, which <see cref="ReadAheadChannel"/>
/// reads directly (<see cref="ReadDirectAsync"/>).
/// </summary>
/// <remarks>
/// In place of MQTTnet's <c>MqttTcpChannel</c>, whose read is an async method of its own around the stream's: every
/// socket read passed through one more state machine, and every idle connection's pending read kept it (136 B)
/// besides the channel object (72 B). What its read did on top of the stream's is kept here: a disposed stream
/// reads as the end of the connection, and MQTTnet's adapter turns socket errors into its own exceptions.
/// <para>
/// A plain TCP connection (<paramref name="socket"/> given) writes with a non-blocking send() on the calling thread,
/// and only what the kernel did not take at once goes through the stream's asynchronous write. A CONNACK, PUBACK or
/// PINGRESP always fits, so the socket never makes the asynchronous send's event args, which it would keep for the
/// connection's life (about 360 B per idle connection), and a write costs no asynchronous machinery.
/// </para>
/// </remarks>
public sealed class StreamChannel : IMqttChannel
{
    private readonly Stream _stream;
    private readonly Socket? _socket;
    private readonly X509Certificate2? _clientCertificate;
    private int _disposed;

    /// <param name="socket">The connection's socket when <paramref name="stream"/> is its plain NetworkStream (not TLS): written directly.</param>
    public StreamChannel(Stream stream, EndPoint localEndPoint, EndPoint remoteEndPoint, X509Certificate2? clientCertificate, Socket? socket = null)
    {
        _stream = stream;
        _socket = socket;
        _clientCertificate = clientCertificate;
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
        // After the NetworkStream was made over it (its constructor refuses a non-blocking socket): send() returns
        // what the kernel took instead of waiting, and the stream's asynchronous reads and writes are unaffected.
        if (socket is not null)
            socket.Blocking = false;
    }

    public X509Certificate2 ClientCertificate => _clientCertificate!;
    public EndPoint RemoteEndPoint { get; }
    public EndPoint LocalEndPoint { get; }
    public bool IsSecureConnection => _stream is SslStream;

    public Task ConnectAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException("An accepted connection is connected already.");

    /// <summary>The stream's own read, no layer of ours: the caller treats <see cref="ObjectDisposedException"/> as the end (<see cref="ReadAsync"/> does).</summary>
    public ValueTask<int> ReadDirectAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _stream.ReadAsync(buffer, cancellationToken);

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        try
        {
            return await _stream.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        if (_socket is not null && buffer.IsSingleSegment)
        {
            int sent;
            SocketError error;
            try
            {
                sent = _socket.Send(buffer.FirstSpan, SocketFlags.None, out error);
            }
            catch (ObjectDisposedException)
            {
                return Task.FromException(new MqttCommunicationException("The connection is closed."));
            }
            if (error is not (SocketError.Success or SocketError.WouldBlock))
                return Task.FromException(new SocketException((int)error));
            if (sent == buffer.Length)
                return Task.CompletedTask;
            buffer = buffer.Slice(sent);
        }
        return WriteThroughStreamAsync(buffer, cancellationToken);
    }

    private async Task WriteThroughStreamAsync(ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var segment in buffer)
                await _stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            throw new MqttCommunicationException("The connection is closed.");
        }
    }

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _stream.Dispose();
    }
}
