using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using Pipeline.MqttBridge.Listeners;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class ReadAheadChannelTests
{
    /// <summary>Serves a fixed byte stream, at most <c>maxPerRead</c> bytes per read, like a socket; counts the reads.</summary>
    private sealed class ByteStreamChannel(byte[] bytes, int maxPerRead) : FakeChannel
    {
        private int _position;
        public int Reads { get; private set; }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Reads++;
            var n = Math.Min(Math.Min(count, maxPerRead), bytes.Length - _position);
            Array.Copy(bytes, _position, buffer, offset, n);
            _position += n;
            return Task.FromResult(n);
        }

    }

    /// <summary>Reads a packet the way MQTTnet does: the 2-byte fixed header, then the rest (lengths below 128 here).</summary>
    private static async Task<byte[]> ReadPacketAsync(IMqttChannel channel)
    {
        var header = await ReadExactlyAsync(channel, 2);
        var body = await ReadExactlyAsync(channel, header[1]);
        return [.. header, .. body];
    }

    private static async Task<byte[]> ReadExactlyAsync(IMqttChannel channel, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await channel.ReadAsync(buffer, read, count - read, CancellationToken.None);
            if (n == 0) throw new EndOfStreamException();
            read += n;
        }
        return buffer;
    }

    private static byte[] Publishes(int count, int bodyBytes) =>
        Enumerable.Range(0, count).SelectMany(i => new byte[] { 0x32, (byte)bodyBytes }.Concat(Enumerable.Repeat((byte)i, bodyBytes))).ToArray();

    [Fact]
    public async Task Pipelined_packets_are_read_with_one_receive_per_chunk_not_per_piece()
    {
        var stream = Publishes(3, 100);   // 306 bytes, arriving together
        var socket = new ByteStreamChannel(stream, int.MaxValue);
        var channel = new ReadAheadChannel(socket, chunkBytes: 512);

        var packets = new List<byte[]>();
        for (var i = 0; i < 3; i++)
            packets.Add(await ReadPacketAsync(channel));

        Assert.Equal(stream, packets.SelectMany(p => p).ToArray());
        Assert.Equal(1, socket.Reads);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(4096)]
    public async Task The_bytes_come_out_unchanged_however_the_connection_delivers_them(int bytesPerReceive)
    {
        var stream = Publishes(20, 120);
        var channel = new ReadAheadChannel(new ByteStreamChannel(stream, bytesPerReceive), chunkBytes: 64);

        var read = new List<byte>();
        for (var i = 0; i < 20; i++)
            read.AddRange(await ReadPacketAsync(channel));

        Assert.Equal(stream, read.ToArray());
    }

    [Fact]
    public async Task The_end_of_the_connection_is_passed_on()
    {
        var channel = new ReadAheadChannel(new ByteStreamChannel([0xC0, 0x00], int.MaxValue));

        Assert.Equal([0xC0, 0x00], await ReadPacketAsync(channel));
        Assert.Equal(0, await channel.ReadAsync(new byte[2], 0, 2, CancellationToken.None));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(4096)]
    public async Task Waiting_without_a_buffer_passes_the_same_bytes_and_holds_no_chunk_between_packets(int bytesPerReceive)
    {
        var stream = Publishes(20, 120);
        var channel = new ReadAheadChannel(new ByteStreamChannel(stream, bytesPerReceive), chunkBytes: 64, waitWithoutBuffer: true);

        var read = new List<byte>();
        for (var i = 0; i < 20; i++)
            read.AddRange(await ReadPacketAsync(channel));

        Assert.Equal(stream, read.ToArray());
        Assert.False(channel.HoldsChunk, "everything read was served: the chunk went back to the pool");
        Assert.Equal(0, await channel.ReadAsync(new byte[2], 0, 2, CancellationToken.None));
    }

    [Fact]
    public async Task Waiting_for_data_first_costs_no_second_zero_byte_read_and_passes_the_same_bytes()
    {
        var stream = Publishes(20, 30); // 640 bytes in 32-byte packets, read 64 at a time: two packets per chunk
        var socket = new ByteStreamChannel(stream, int.MaxValue);
        var channel = new ReadAheadChannel(socket, chunkBytes: 64, waitWithoutBuffer: true);

        var read = new List<byte>();
        var waits = 0;
        for (var i = 0; i < 20; i++)
        {
            if (!channel.HoldsChunk)
                waits++;
            await channel.WaitForDataAsync(CancellationToken.None);
            read.AddRange(await ReadPacketAsync(channel));
        }

        Assert.Equal(stream, read.ToArray());
        // One zero-byte read per wait that found nothing buffered, plus the chunk reads; never a zero-byte read of the read's own.
        Assert.Equal(waits + (stream.Length + 63) / 64, socket.Reads);
    }

    [Fact]
    public async Task A_channel_that_cannot_wait_without_reading_reports_ready_at_once()
    {
        var socket = new ByteStreamChannel(Publishes(1, 10), int.MaxValue);
        var channel = new ReadAheadChannel(socket, waitWithoutBuffer: false);

        var wait = channel.WaitForDataAsync(CancellationToken.None);

        Assert.True(wait.IsCompleted);
        Assert.Equal(0, socket.Reads);
    }

    [Theory]
    [InlineData(2, 64)]    // MQTTnet's 2-byte header read, served from a chunk
    [InlineData(600, 512)] // a read at least a chunk long, which goes straight to the connection
    public async Task A_header_announcing_an_oversized_packet_fails_the_read_that_received_it(int readBytes, int chunkBytes)
    {
        // PUBLISH announcing 2,000 bytes (0xD0 0x0F), then its first bytes; the limit is 1,000.
        var stream = new byte[] { 0x30, 0xD0, 0x0F }.Concat(new byte[700]).ToArray();
        var channel = new ReadAheadChannel(new ByteStreamChannel(stream, int.MaxValue), chunkBytes, guard: new PacketSizeGuard(1000));

        await Assert.ThrowsAsync<PacketTooLargeException>(() => channel.ReadAsync(new byte[readBytes], 0, readBytes, CancellationToken.None));
    }

    [Fact]
    public async Task Packets_within_the_limit_pass_the_guard_unchanged()
    {
        var stream = Publishes(20, 120);
        var channel = new ReadAheadChannel(new ByteStreamChannel(stream, 7), chunkBytes: 64, waitWithoutBuffer: true, guard: new PacketSizeGuard(122));

        var read = new List<byte>();
        for (var i = 0; i < 20; i++)
            read.AddRange(await ReadPacketAsync(channel));

        Assert.Equal(stream, read.ToArray());
    }
}
