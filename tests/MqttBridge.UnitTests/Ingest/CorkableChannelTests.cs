using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Listeners;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class CorkableChannelTests
{
    /// <summary>Records what reaches the connection: each write (one send() on a socket) and the disconnect.</summary>
    private sealed class RecordingChannel : FakeChannel
    {
        public List<byte[]> Writes { get; } = [];
        public int WritesBeforeDisconnect { get; private set; } = -1;

        public override Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            Writes.Add(buffer.ToArray());
            return Task.CompletedTask;
        }

        public override Task DisconnectAsync(CancellationToken cancellationToken)
        {
            WritesBeforeDisconnect = Writes.Count;
            return Task.CompletedTask;
        }

    }

    private static ReadOnlySequence<byte> PubAck(byte packetId) => new([0x40, 0x02, 0x00, packetId]);

    [Fact]
    public async Task Acknowledgements_written_in_a_batch_leave_in_one_write_in_their_order()
    {
        var socket = new RecordingChannel();
        using var channel = new CorkableChannel(socket);

        channel.Begin();
        for (byte id = 1; id <= 3; id++)
            await channel.WriteAsync(PubAck(id), true, CancellationToken.None);
        Assert.Empty(socket.Writes);
        await channel.EndAsync();

        var write = Assert.Single(socket.Writes);
        Assert.Equal(new byte[] { 0x40, 2, 0, 1, 0x40, 2, 0, 2, 0x40, 2, 0, 3 }, write);
    }

    [Fact]
    public async Task Outside_a_batch_every_write_goes_straight_through()
    {
        var socket = new RecordingChannel();
        using var channel = new CorkableChannel(socket);

        await channel.WriteAsync(PubAck(1), true, CancellationToken.None);
        await channel.WriteAsync(PubAck(2), true, CancellationToken.None);

        Assert.Equal(2, socket.Writes.Count);
    }

    [Fact]
    public async Task A_nested_batch_writes_when_the_outermost_ends()
    {
        var socket = new RecordingChannel();
        using var channel = new CorkableChannel(socket);

        channel.Begin();
        channel.Begin();
        await channel.WriteAsync(PubAck(1), true, CancellationToken.None);
        await channel.EndAsync();
        Assert.Empty(socket.Writes);
        await channel.WriteAsync(PubAck(2), true, CancellationToken.None);
        await channel.EndAsync();

        Assert.Equal(new byte[] { 0x40, 2, 0, 1, 0x40, 2, 0, 2 }, Assert.Single(socket.Writes));
    }

    [Fact]
    public async Task A_disconnect_during_a_batch_first_writes_what_it_holds()
    {
        var socket = new RecordingChannel();
        using var channel = new CorkableChannel(socket);

        channel.Begin();
        await channel.WriteAsync(new ReadOnlySequence<byte>([0xE0, 0x01, 0x8B]), true, CancellationToken.None); // DISCONNECT 0x8B
        await channel.DisconnectAsync(CancellationToken.None);

        Assert.Equal(new byte[] { 0xE0, 0x01, 0x8B }, Assert.Single(socket.Writes));
        Assert.Equal(1, socket.WritesBeforeDisconnect);
    }

    [Fact]
    public async Task Acknowledgements_that_become_due_together_leave_the_sequencer_in_one_write()
    {
        var socket = new RecordingChannel();
        using var channel = new CorkableChannel(socket);
        var sequencer = new AckSequencer(t => channel.WriteAsync(PubAck((byte)t.PacketId), true, CancellationToken.None), channel);
        var tickets = Enumerable.Range(1, 3).Select(i => sequencer.Enqueue((ushort)i, MqttQualityOfServiceLevel.AtLeastOnce)).ToList();

        // Kafka confirms 2 and 3 first: they wait for 1, then all three are due at once.
        sequencer.Complete(tickets[1], MqttPubAckReasonCode.Success);
        sequencer.Complete(tickets[2], MqttPubAckReasonCode.Success);
        sequencer.Complete(tickets[0], MqttPubAckReasonCode.Success);

        await Pipeline.TestSupport.Eventually.HoldsAsync(() => socket.Writes.Count > 0, TimeSpan.FromSeconds(5), "the acknowledgements were written");
        Assert.Equal(new byte[] { 0x40, 2, 0, 1, 0x40, 2, 0, 2, 0x40, 2, 0, 3 }, Assert.Single(socket.Writes));
    }
}
