using MQTTnet.Protocol;
using Pipeline.MqttBridge.Connections;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class AckSequencerTests
{
    [Fact]
    public async Task Accepted_publishes_are_acknowledged_in_arrival_order_and_refusals_at_once()
    {
        var sent = new List<(ushort, MqttPubAckReasonCode)>();
        var sequencer = new AckSequencer(t =>
        {
            lock (sent)
                sent.Add((t.PacketId, t.Code));
            return Task.CompletedTask;
        });
        var tickets = Enumerable.Range(1, 5).Select(i => sequencer.Enqueue((ushort)i, MqttQualityOfServiceLevel.AtLeastOnce)).ToList();
        sequencer.Complete(tickets[1], MqttPubAckReasonCode.Success);
        sequencer.CompleteImmediately(tickets[2], MqttPubAckReasonCode.QuotaExceeded);
        await Pipeline.TestSupport.Eventually.HoldsAsync(() => { lock (sent) return sent.Count == 1; }, TimeSpan.FromSeconds(5), "the refusal went out");
        Assert.Equal((3, MqttPubAckReasonCode.QuotaExceeded), ((int)sent[0].Item1, sent[0].Item2));
        sequencer.Complete(tickets[0], MqttPubAckReasonCode.Success);
        sequencer.Complete(tickets[4], MqttPubAckReasonCode.Success);
        sequencer.Complete(tickets[3], MqttPubAckReasonCode.Success);
        await Pipeline.TestSupport.Eventually.HoldsAsync(() => sequencer.Pending == 0, TimeSpan.FromSeconds(5), "all acks sent");
        Assert.Equal([3, 1, 2, 4, 5], sent.Select(s => (int)s.Item1));
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
