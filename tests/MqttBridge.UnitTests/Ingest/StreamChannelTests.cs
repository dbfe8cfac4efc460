using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Pipeline.MqttBridge.Listeners;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

/// <summary>The TCP channel over a real loopback connection: what goes in comes out, also when the kernel cannot take a write at once.</summary>
public sealed class StreamChannelTests : IAsyncLifetime
{
    private Socket _server = null!;
    private Socket _peer = null!;

    public async Task InitializeAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await _peer.ConnectAsync(listener.LocalEndPoint!);
        _server = await accept;
    }

    public Task DisposeAsync()
    {
        _peer.Dispose();
        _server.Dispose();
        return Task.CompletedTask;
    }

    private StreamChannel Channel() =>
        new(new NetworkStream(_server, ownsSocket: true), _server.LocalEndPoint!, _server.RemoteEndPoint!, null, _server);

    private async Task<byte[]> PeerReadsAsync(int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await _peer.ReceiveAsync(buffer.AsMemory(read));
            if (n == 0) throw new EndOfStreamException($"the connection ended after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    [Fact]
    public async Task A_small_write_arrives_whole()
    {
        using var channel = Channel();
        byte[] pubAck = [0x40, 0x02, 0x00, 0x07];

        await channel.WriteAsync(new ReadOnlySequence<byte>(pubAck), true, CancellationToken.None);

        Assert.Equal(pubAck, await PeerReadsAsync(pubAck.Length));
    }

    [Fact]
    public async Task A_write_larger_than_the_kernel_takes_at_once_completes_when_the_peer_reads()
    {
        using var channel = Channel();
        _server.NoDelay = true; // as the listener sets it
        _server.SendBufferSize = 16 * 1024;
        _peer.ReceiveBufferSize = 16 * 1024;
        var large = Enumerable.Range(0, 1024 * 1024).Select(i => (byte)(i * 31)).ToArray();

        var write = channel.WriteAsync(new ReadOnlySequence<byte>(large), true, CancellationToken.None);
        Assert.False(write.IsCompleted, "1 MiB cannot fit the socket buffers of a peer that has not read yet");
        var received = await PeerReadsAsync(large.Length);
        await write;

        Assert.Equal(large, received);
    }

    [Fact]
    public async Task Writes_in_several_segments_arrive_in_order()
    {
        using var channel = Channel();
        var first = new Segment(new byte[] { 1, 2, 3 });
        var last = first.Append(new byte[] { 4, 5 });

        await channel.WriteAsync(new ReadOnlySequence<byte>(first, 0, last, 2), true, CancellationToken.None);

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, await PeerReadsAsync(5));
    }

    [Fact]
    public async Task Reading_through_the_read_ahead_channel_serves_the_peers_bytes_and_a_closed_channel_reads_as_the_end()
    {
        var channel = Channel();
        var reader = new ReadAheadChannel(channel, waitWithoutBuffer: true);
        await _peer.SendAsync(new byte[] { 0xC0, 0x00 });

        var buffer = new byte[2];
        Assert.Equal(2, await reader.ReadAsync(buffer, 0, 2, CancellationToken.None));
        Assert.Equal(new byte[] { 0xC0, 0x00 }, buffer);

        // Closed by the bridge (a takeover): the next read is the end of the connection, as with MQTTnet's TCP channel.
        channel.Dispose();
        Assert.Equal(0, await reader.ReadAsync(buffer, 0, 2, CancellationToken.None));
    }

    [Fact]
    public async Task The_peer_closing_reads_as_the_end()
    {
        using var channel = Channel();
        var reader = new ReadAheadChannel(channel, waitWithoutBuffer: true);
        var pending = reader.ReadAsync(new byte[2], 0, 2, CancellationToken.None);

        _peer.Shutdown(SocketShutdown.Both);

        Assert.Equal(0, await pending.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_write_after_the_channel_was_closed_fails_as_a_closed_connection()
    {
        var channel = Channel();
        channel.Dispose();

        await Assert.ThrowsAsync<MQTTnet.Exceptions.MqttCommunicationException>(() =>
            channel.WriteAsync(new ReadOnlySequence<byte>(new byte[] { 0xD0, 0x00 }), true, CancellationToken.None));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
