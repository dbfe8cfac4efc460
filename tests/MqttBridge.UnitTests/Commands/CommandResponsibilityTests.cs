using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Commands;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.Presence;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Pipeline.MqttBridge.UnitTests.Commands;

/// <summary>
/// Who acts on a command, as seen by instance "a" while instance "b" is live. The cases are those of a bridge
/// killed and restarted at once (under the same id or a new one): the restarted run started reading iot.commands
/// after the commands left to its earlier run, so it must never be left one of them.
/// </summary>
public sealed class CommandResponsibilityTests
{
    private const long Now = 1_000_000;
    private const int Partition = 0;

    [Fact]
    public void A_device_held_by_a_live_instance_that_reads_the_command_is_left_to_it()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10));
        Apply(view, Device("d1", "b", sinceMs: 600_000));

        Assert.Equal("b", CommandResponsibility.Responsible("d1", Partition, 10, view, null, false, Now, Now));
    }

    [Fact]
    public void A_command_written_before_the_holder_started_reading_is_not_left_to_it()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10));
        Apply(view, Device("d1", "b", sinceMs: 600_000));

        Assert.Equal("a", CommandResponsibility.Responsible("d1", Partition, 9, view, null, false, Now, Now));
    }

    [Fact]
    public void A_device_record_from_an_earlier_run_of_the_instance_does_not_count_as_held()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10));
        Apply(view, Device("d1", "b", sinceMs: 400_000)); // connected to the run that was killed

        var owner = CommandResponsibility.Responsible("d1", Partition, 20, view, null, false, Now, Now);

        Assert.Equal(view.OwnerOf("d1", Now, _ => true), owner); // as for a device nobody holds
    }

    [Fact]
    public void A_device_nobody_holds_is_never_owned_by_an_instance_that_started_reading_after_the_command()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10));
        // Devices whose hash picks "b" among both instances: before b's start, "a" answers for all of them.
        var ownedByB = Enumerable.Range(0, 200).Select(i => $"d{i}").Where(d => view.OwnerOf(d, Now, _ => true) == "b").ToList();
        Assert.NotEmpty(ownedByB);

        Assert.All(ownedByB, d => Assert.Equal("a", CommandResponsibility.Responsible(d, Partition, 9, view, null, false, Now, Now)));
        Assert.All(ownedByB, d => Assert.Equal("b", CommandResponsibility.Responsible(d, Partition, 10, view, null, false, Now, Now)));
    }

    [Fact]
    public void An_instance_not_reading_yet_may_still_read_the_command_and_holds_its_device()
    {
        // As it sees itself: every instance must agree, or a command gets two outcomes. Whoever leaves it the command
        // keeps it until its positions show whether it read it (DeferredCommandsTests).
        var view = View(new InstancePresence("b", Now - 100, 1_000, StartedMs: 500_000));
        Apply(view, Device("d1", "b", sinceMs: 600_000));

        Assert.Equal("b", CommandResponsibility.Responsible("d1", Partition, 1_000, view, null, false, Now, Now));
    }

    [Fact]
    public void A_record_without_start_positions_from_an_older_bridge_is_trusted_with_what_follows_its_read_positions()
    {
        var view = View(new InstancePresence("b", Now - 100, 1_000, ReadTo: new Dictionary<int, long> { [Partition] = 10 }));
        Apply(view, Device("d1", "b", sinceMs: 600_000));

        Assert.Equal("b", CommandResponsibility.Responsible("d1", Partition, 5, view, null, false, Now, Now));
    }

    [Fact]
    public void A_command_read_while_catching_up_is_left_to_a_live_instance_that_reads_it_and_else_taken()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10));

        Assert.Equal("b", CommandResponsibility.ForCatchUp(Partition, 10, view, Now, Now));
        Assert.Equal("a", CommandResponsibility.ForCatchUp(Partition, 9, view, Now, Now));
        Assert.Equal("a", CommandResponsibility.ForCatchUp(Partition, 10, view, Now + 3_000, Now)); // b's heartbeats missed
    }

    [Fact]
    public void Starting_while_another_instance_looks_live_reads_from_the_least_far_it_got_and_skips_what_it_read()
    {
        var view = View(new InstancePresence("b", Now - 100, 1_000, ReadTo: new Dictionary<int, long> { [0] = 7, [1] = 3 }, StartedMs: 500_000,
            ReadFrom: new Dictionary<int, long> { [0] = 2, [1] = 0 }));

        var catchUp = view.CommandsCatchUpFrom(Now)!;
        Assert.Equal(new Dictionary<int, long> { [0] = 7, [1] = 3 }, catchUp.ReadTo);
        Assert.Null(catchUp.FromMs); // partitions it gave no position for: from the end
        Assert.True(view.ReadByAnotherRun(0, 6, Now));
        Assert.False(view.ReadByAnotherRun(0, 7, Now));
        Assert.Equal(Now - 100, view.CommandsCatchUpFrom(Now + 3_000)!.FromMs); // gone: from its last sign of life, as a lone starter
    }

    [Fact]
    public void Starting_alone_after_this_instance_s_own_earlier_run_reads_from_where_that_run_got_to()
    {
        var view = View(new InstancePresence("b", Now - 60_000, 1_000, ReadTo: new Dictionary<int, long> { [0] = 4 }));
        var earlierRun = new InstancePresence("a", Now - 10_000, 1_000, ReadTo: new Dictionary<int, long> { [0] = 9 }, StartedMs: 1,
            ReadFrom: new Dictionary<int, long> { [0] = 4 });
        view.Apply(Record(PresenceCodec.InstanceKey("a"), PresenceCodec.Encode(earlierRun)));
        // This run's own first heartbeat replaces the earlier run's record under the same key.
        view.Apply(Record(PresenceCodec.InstanceKey("a"), PresenceCodec.Encode(new InstancePresence("a", Now, 1_000, StartedMs: view.StartedMs))));

        var catchUp = view.CommandsCatchUpFrom(Now)!;

        Assert.Equal(9, catchUp.ReadTo![0]);
        Assert.True(view.ReadByAnotherRun(0, 8, Now));
    }

    [Fact]
    public void Of_two_runs_catching_up_over_the_same_command_the_one_that_began_reading_first_answers_for_it()
    {
        // b began catching up from offset 3 at Now - 500; a (this instance) began later, or earlier. Both agree.
        var b = CatchingUp("b", catchUpFrom: 3, readFrom: 20, readTo: 3, readingSinceMs: Now - 500);
        var view = View(b);

        Assert.Equal("b", CommandResponsibility.ForCatchUp(Partition, 5, view, Now, readingSinceMs: Now - 400));
        Assert.Equal("a", CommandResponsibility.ForCatchUp(Partition, 5, view, Now, readingSinceMs: Now - 600));
        Assert.Equal("a", CommandResponsibility.ForCatchUp(Partition, 2, view, Now, readingSinceMs: Now - 400)); // before b's catch-up
        Assert.Equal("a", CommandResponsibility.ForCatchUp(Partition, 5, view, Now + 3_000, readingSinceMs: Now - 400)); // b's heartbeats missed
        Assert.Equal("a", CommandResponsibility.ForCatchUp(Partition, 5, View(b with { ReadingSinceMs = Now - 400 }), Now, Now - 400)); // same time: by id
    }

    [Fact]
    public void A_command_an_earlier_run_caught_up_over_counts_as_read_and_one_a_later_run_caught_up_over_does_not()
    {
        // b read offsets 3 to 7 while catching up. The one that began first answers, so b's reads settle them only for
        // a run that began after b; a run that began before b was left them.
        var view = View(CatchingUp("b", catchUpFrom: 3, readFrom: 20, readTo: 8, readingSinceMs: Now - 500));

        Assert.True(view.ReadByAnotherRun(Partition, 7, readingSinceMs: Now - 400));
        Assert.False(view.ReadByAnotherRun(Partition, 8, readingSinceMs: Now - 400));
        Assert.False(view.ReadByAnotherRun(Partition, 2, readingSinceMs: Now - 400));
        Assert.False(view.ReadByAnotherRun(Partition, 7, readingSinceMs: Now - 600));
    }

    [Fact]
    public void This_instance_s_earlier_run_s_catch_up_counts_as_read()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 30) with { AliveMs = Now - 60_000 });
        view.Apply(Record(PresenceCodec.InstanceKey("a"), PresenceCodec.Encode(new InstancePresence("a", Now - 5_000, 1_000,
            ReadTo: new Dictionary<int, long> { [Partition] = 9 }, StartedMs: 1, ReadFrom: new Dictionary<int, long> { [Partition] = 12 },
            CatchUpFrom: new Dictionary<int, long> { [Partition] = 4 }, ReadingSinceMs: 2))));

        Assert.True(view.ReadByAnotherRun(Partition, 8, readingSinceMs: Now));
        Assert.False(view.ReadByAnotherRun(Partition, 9, readingSinceMs: Now));
    }

    [Fact]
    public void A_run_that_is_starting_too_is_not_left_a_command_read_while_catching_up_nor_trusted_with_the_catch_up()
    {
        // All bridges were down; "b" starts at the same time as this one: its first heartbeat says nothing of reading yet.
        var view = View(new InstancePresence("gone", Now - 60_000, 1_000, Now - 60_000, new Dictionary<int, long> { [Partition] = 4 }, 1,
            new Dictionary<int, long> { [Partition] = 0 }));
        view.Apply(Record(PresenceCodec.InstanceKey("b"), PresenceCodec.Encode(new InstancePresence("b", Now - 100, 1_000, StartedMs: Now - 2_000))));

        var catchUp = view.CommandsCatchUpFrom(Now)!;
        Assert.Equal(4, catchUp.ReadTo![Partition]); // from where the last run got to, not from the end
        Assert.Equal("a", CommandResponsibility.ForCatchUp(Partition, 5, view, Now, Now - 50));
    }

    [Fact]
    public void A_device_taken_over_just_before_the_command_was_written_is_left_to_the_new_holder_by_the_one_with_its_old_connection()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10) with { AliveMs = RealNow });
        view.CaughtUp();
        Apply(view, Device("d1", "a", sinceMs: 600_000));
        Apply(view, Device("d1", "b", sinceMs: Now - 50));

        // Instance a still has the old connection (accepted at 600,000) when it decides, after the settle.
        Assert.Equal("b", CommandResponsibility.Responsible("d1", Partition, 10, view, 600_000, false, Now, Now + 600));
    }

    [Fact]
    public void A_connection_accepted_after_the_command_was_written_does_not_hold_the_device_for_it()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10) with { AliveMs = RealNow });
        view.CaughtUp();
        Apply(view, Device("d1", "b", sinceMs: 600_000));
        Apply(view, Device("d1", "a", sinceMs: Now + 100));

        // Taken over by this instance after the command: b, which held it when the command was written, answers.
        Assert.Equal("b", CommandResponsibility.Responsible("d1", Partition, 10, view, Now + 100, false, Now, Now + 600));
    }

    [Fact]
    public void A_device_that_connected_only_after_the_command_was_written_is_answered_for_by_its_owner_by_hash()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10) with { AliveMs = RealNow });
        view.CaughtUp();
        var devices = Enumerable.Range(0, 20).Select(i => $"d{i}").ToList();
        foreach (var device in devices)
            Apply(view, Device(device, "b", sinceMs: Now + 100));

        foreach (var device in devices)
            Assert.Equal(view.OwnerOf(device, Now + 600, _ => true),
                CommandResponsibility.Responsible(device, Partition, 10, view, null, false, Now, Now + 600));
        Assert.Contains(devices, d => view.OwnerOf(d, Now + 600, _ => true) == "a");
    }

    [Fact]
    public void Without_the_history_of_a_change_the_current_record_decides()
    {
        var view = View(Instance("b", startedMs: 500_000, readFrom: 10));
        Apply(view, Device("d1", "b", sinceMs: Now + 100)); // read while catching up: no history kept

        Assert.Equal("b", CommandResponsibility.Responsible("d1", Partition, 10, view, null, false, Now, Now + 600));
    }

    // The view keeps a device's changes only while another instance is live by the clock.
    private static long RealNow => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static InstancePresence Instance(string id, long startedMs, long readFrom) =>
        new(id, Now - 100, 1_000, ReadTo: new Dictionary<int, long> { [Partition] = readFrom }, StartedMs: startedMs,
            ReadFrom: new Dictionary<int, long> { [Partition] = readFrom });

    private static InstancePresence CatchingUp(string id, long catchUpFrom, long readFrom, long readTo, long readingSinceMs) =>
        new(id, Now - 100, 1_000, ReadTo: new Dictionary<int, long> { [Partition] = readTo }, StartedMs: readingSinceMs - 1_000,
            ReadFrom: new Dictionary<int, long> { [Partition] = readFrom }, CatchUpFrom: new Dictionary<int, long> { [Partition] = catchUpFrom },
            ReadingSinceMs: readingSinceMs);

    private static DevicePresence Device(string deviceId, string instance, long sinceMs) =>
        new(instance, $"{deviceId}-connection", sinceMs, true, false, 0, null);

    private static PresenceView View(InstancePresence other)
    {
        var view = new PresenceView(new KafkaClientFactory(new KafkaOptions { BootstrapServers = "127.0.0.1:1" }, "test"),
            MsOptions.Create(new KafkaTopics()), MsOptions.Create(new BridgeOptions { InstanceId = "a" }), NullLogger<PresenceView>.Instance);
        view.Apply(Record(PresenceCodec.InstanceKey(other.Instance), PresenceCodec.Encode(other)));
        return view;
    }

    private static void Apply(PresenceView view, DevicePresence device) =>
        view.Apply(Record(device.ConnectionId.Split('-')[0], PresenceCodec.Encode(device)));

    private static ConsumeResult<string?, byte[]?> Record(string key, byte[] value) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("iot.presence", 0, 0),
        Message = new Message<string?, byte[]?> { Key = key, Value = value },
    };
}
