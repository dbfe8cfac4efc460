using MQTTnet.Protocol;
using Pipeline.MqttBridge.Connections;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class AckSequencerTests
{
    [Fact]
    public async Task Acknowledgements_go_out_in_arrival_order_whatever_order_they_complete_in()
    {
        var sent = new List<(ushort, MqttPubAckReasonCode)>();
        var sequencer = new AckSequencer(t =>
        {
            lock (sent)
                sent.Add((t.PacketId, t.Code));
            return Task.CompletedTask;
        });
        var tickets = Enumerable.Range(1, 5).Select(i => sequencer.Enqueue((ushort)i, MqttQualityOfServiceLevel.AtLeastOnce)).ToList();
        sequencer.Complete(tickets[2], MqttPubAckReasonCode.NotAuthorized);
        sequencer.Complete(tickets[1], MqttPubAckReasonCode.Success);
        Assert.Empty(sent);
        sequencer.Complete(tickets[0], MqttPubAckReasonCode.Success);
        sequencer.Complete(tickets[4], MqttPubAckReasonCode.Success);
        sequencer.Complete(tickets[3], MqttPubAckReasonCode.QuotaExceeded);
        await Pipeline.TestSupport.Eventually.HoldsAsync(() => sequencer.Pending == 0, TimeSpan.FromSeconds(5), "all acks sent");
        Assert.Equal([1, 2, 3, 4, 5], sent.Select(s => (int)s.Item1));
        Assert.Equal(MqttPubAckReasonCode.NotAuthorized, sent[2].Item2);
        Assert.Equal(MqttPubAckReasonCode.QuotaExceeded, sent[3].Item2);
    }

    [Fact]
    public async Task Concurrent_completions_from_many_threads_keep_the_order()
    {
        var sent = new List<ushort>();
        var sequencer = new AckSequencer(async t =>
        {
            await Task.Yield();
            lock (sent)
                sent.Add(t.PacketId);
        });
        var tickets = Enumerable.Range(1, 2000).Select(i => sequencer.Enqueue((ushort)i, MqttQualityOfServiceLevel.AtLeastOnce)).ToList();
        Parallel.ForEach(tickets.OrderBy(_ => Random.Shared.Next()), t => sequencer.Complete(t, MqttPubAckReasonCode.Success));
        await Pipeline.TestSupport.Eventually.HoldsAsync(() => sequencer.Pending == 0, TimeSpan.FromSeconds(10), "all acks sent");
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (ushort)i), sent);
    }
}
