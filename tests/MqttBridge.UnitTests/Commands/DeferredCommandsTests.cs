using Confluent.Kafka;
using Pipeline.MqttBridge.Commands;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.UnitTests.Commands;

public sealed class DeferredCommandsTests
{
    private const long Now = 100_000;

    [Fact]
    public void Commands_left_to_a_live_instance_are_kept_until_its_heartbeat_shows_it_read_them()
    {
        var deferred = new DeferredCommands();
        deferred.Defer("b2", null, Command(0, 10));
        deferred.Defer("b2", null, Command(0, 11));

        Assert.Empty(deferred.Release(_ => Alive(readTo: null), Now));
        Assert.Equal(2, deferred.Count);
        Assert.Empty(deferred.Release(_ => Alive(readTo: 11), Now));
        Assert.Equal(1, deferred.Count);
        Assert.Empty(deferred.Release(_ => Alive(readTo: 12), Now));
        Assert.Equal(0, deferred.Count);
    }

    [Fact]
    public void When_the_instance_stops_the_commands_it_had_not_read_are_released_in_order_and_the_rest_forgotten()
    {
        var deferred = new DeferredCommands();
        foreach (var offset in new long[] { 10, 11, 12 })
            deferred.Defer("b2", null, Command(0, offset));
        deferred.Defer("b3", null, Command(0, 13));

        var stopped = new InstancePresence("b2", Now - 1, 1_000, Now - 1, new Dictionary<int, long> { [0] = 11 });
        var released = deferred.Release(i => i == "b2" ? stopped : Alive(readTo: 0), Now);

        Assert.Equal([11L, 12L], released.Select(c => c.Offset.Value));
        Assert.Equal(1, deferred.Count); // b3's, still live
        Assert.Empty(deferred.Release(i => i == "b2" ? stopped : Alive(readTo: 0), Now));
    }

    [Fact]
    public void An_instance_whose_heartbeats_stopped_counts_as_gone()
    {
        var deferred = new DeferredCommands();
        deferred.Defer("b2", null, Command(0, 10));
        var lastHeartbeat = new InstancePresence("b2", Now - 3_000, 1_000, ReadTo: new Dictionary<int, long> { [0] = 5 });

        Assert.Equal([10L], deferred.Release(_ => lastHeartbeat, Now).Select(c => c.Offset.Value));
    }

    [Fact]
    public void Without_read_positions_a_gone_instance_s_last_sign_of_life_bounds_what_is_released()
    {
        var deferred = new DeferredCommands();
        deferred.Defer("b2", null, Command(0, 10, writtenMs: Now - 5_000));
        deferred.Defer("b2", null, Command(0, 11, writtenMs: Now - 500));
        var stoppedWithoutPositions = new InstancePresence("b2", Now - 1_000, 1_000, Now - 1_000);

        Assert.Equal([11L], deferred.Release(_ => stoppedWithoutPositions, Now).Select(c => c.Offset.Value));
    }

    [Fact]
    public void An_instance_back_under_the_same_id_read_nothing_left_to_its_earlier_run_after_that_run_s_last_heartbeat()
    {
        var deferred = new DeferredCommands();
        deferred.Defer("b2", 1_000, Command(0, 10));
        deferred.Defer("b2", 50_000, Command(0, 11));
        var restarted = new InstancePresence("b2", Now - 100, 1_000, ReadTo: new Dictionary<int, long> { [0] = 20 }, StartedMs: 50_000);

        Assert.Equal([10L], deferred.Release(_ => restarted, Now).Select(c => c.Offset.Value));
        Assert.Equal(0, deferred.Count); // the one left to the new run: it read past it
    }

    [Fact]
    public void A_run_restarted_after_the_command_was_written_has_not_read_it_even_though_it_reads_past_it()
    {
        var deferred = new DeferredCommands();
        deferred.Defer("b2", 1_000, Command(0, 10));
        var restartedAtTheEnd = new InstancePresence("b2", Now - 100, 1_000, ReadTo: new Dictionary<int, long> { [0] = 20 }, StartedMs: 50_000,
            ReadFrom: new Dictionary<int, long> { [0] = 15 });

        Assert.Equal([10L], deferred.Release(_ => restartedAtTheEnd, Now).Select(c => c.Offset.Value));
    }

    [Fact]
    public void A_command_left_to_a_run_before_it_said_where_it_started_is_released_once_it_says_it_started_after()
    {
        var deferred = new DeferredCommands();
        deferred.Defer("b2", 50_000, Command(0, 10));
        var notReadingYet = new InstancePresence("b2", Now - 100, 1_000, StartedMs: 50_000);
        var startedAfter = notReadingYet with { ReadTo = new Dictionary<int, long> { [0] = 12 }, ReadFrom = new Dictionary<int, long> { [0] = 12 } };

        Assert.Empty(deferred.Release(_ => notReadingYet, Now));
        Assert.Equal([10L], deferred.Release(_ => startedAfter, Now).Select(c => c.Offset.Value));
    }

    [Fact]
    public void A_run_that_caught_up_from_before_the_command_has_read_it()
    {
        var deferred = new DeferredCommands();
        deferred.Defer("b2", 1_000, Command(0, 10));
        var caughtUp = new InstancePresence("b2", Now - 100, 1_000, ReadTo: new Dictionary<int, long> { [0] = 20 }, StartedMs: 50_000,
            ReadFrom: new Dictionary<int, long> { [0] = 8 });

        Assert.Empty(deferred.Release(_ => caughtUp, Now));
        Assert.Equal(0, deferred.Count);
    }

    [Fact]
    public void A_command_left_to_a_run_that_catches_up_over_it_is_forgotten_once_that_run_read_it_and_released_if_it_dies_first()
    {
        var deferred = new DeferredCommands();
        deferred.Defer("b2", 50_000, Command(0, 5), catchingUp: true);
        deferred.Defer("b2", 50_000, Command(0, 6), catchingUp: true);
        InstancePresence CatchingUp(long readTo, long aliveMs) => new("b2", aliveMs, 1_000, ReadTo: new Dictionary<int, long> { [0] = readTo },
            StartedMs: 50_000, ReadFrom: new Dictionary<int, long> { [0] = 20 }, CatchUpFrom: new Dictionary<int, long> { [0] = 3 }, ReadingSinceMs: 51_000);

        Assert.Empty(deferred.Release(_ => CatchingUp(readTo: 5, aliveMs: Now - 100), Now));
        Assert.Equal(2, deferred.Count); // not read yet, and its readFrom (the end when it started) is past them: kept all the same
        Assert.Empty(deferred.Release(_ => CatchingUp(readTo: 6, aliveMs: Now - 100), Now));
        Assert.Equal(1, deferred.Count);
        Assert.Equal([6L], deferred.Release(_ => CatchingUp(readTo: 6, aliveMs: Now - 10_000), Now).Select(c => c.Offset.Value)); // died first
    }

    [Fact]
    public void Catch_up_positions_travel_in_the_instance_record()
    {
        var positions = new CommandReadPositions();
        positions.Start(ends: [KeyValuePair.Create(0, 20L), KeyValuePair.Create(1, 7L)], starts: [KeyValuePair.Create(0, 3L), KeyValuePair.Create(1, 7L)]);
        var record = new InstancePresence("b2", 1_000, 1_000, ReadTo: positions.Snapshot(), StartedMs: 500, ReadFrom: positions.From,
            CatchUpFrom: positions.CatchUpFrom, ReadingSinceMs: positions.ReadingSinceMs);
        var decoded = PresenceCodec.DecodeInstance(PresenceCodec.Encode(record))!;

        Assert.Equal(new Dictionary<int, long> { [0] = 3 }, decoded.CatchUpFrom); // partition 1 read from its end
        Assert.NotNull(decoded.ReadingSinceMs);
        Assert.True(decoded.CatchesUp(0, 3));
        Assert.True(decoded.CatchesUp(0, 19));
        Assert.False(decoded.CatchesUp(0, 2));
        Assert.False(decoded.CatchesUp(0, 20)); // read as it arrived
        Assert.False(decoded.CatchesUp(1, 6));
        Assert.False(decoded.HadReadCatchingUp(0, 3)); // nothing handled yet
    }

    [Fact]
    public void Past_its_capacity_the_oldest_command_is_forgotten_and_counted()
    {
        var deferred = new DeferredCommands(capacity: 2);
        foreach (var offset in new long[] { 1, 2, 3 })
            deferred.Defer("b2", null, Command(0, offset));

        Assert.Equal(2, deferred.Count);
        Assert.Equal(1, deferred.Dropped);
        Assert.Equal([2L, 3L], deferred.Release(_ => null, Now).Select(c => c.Offset.Value));
    }

    [Fact]
    public void Read_positions_travel_in_the_instance_record()
    {
        var record = new InstancePresence("b2", 1_000, 1_000, 2_000, new Dictionary<int, long> { [0] = 7, [3] = 9 }, 500,
            new Dictionary<int, long> { [0] = 2, [3] = 0 });
        var decoded = PresenceCodec.DecodeInstance(PresenceCodec.Encode(record))!;

        Assert.False(decoded.HadRead(0, 1)); // before this run started reading
        Assert.True(decoded.HadRead(0, 2));
        Assert.True(decoded.HadRead(0, 6));
        Assert.False(decoded.HadRead(0, 7));
        Assert.True(decoded.HadRead(3, 8));
        Assert.False(decoded.HadRead(1, 0));
        Assert.Equal(2_000, decoded.StoppedMs);
        Assert.Equal(500, decoded.StartedMs);
    }

    private static InstancePresence Alive(long? readTo) =>
        new("b2", Now - 100, 1_000, ReadTo: readTo is { } next ? new Dictionary<int, long> { [0] = next } : null);

    private static ConsumeResult<string?, byte[]?> Command(int partition, long offset, long writtenMs = Now) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("iot.commands", partition, offset),
        Message = new Message<string?, byte[]?> { Key = "d1", Value = [], Timestamp = new Timestamp(writtenMs, TimestampType.CreateTime) },
    };
}
