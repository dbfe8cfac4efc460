using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.MqttBridge.Presence;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// The only bridge stops; a command is written while none runs; the next bridge to start answers for it, because it
/// reads iot.commands from where the last instance stopped reading instead of from the end: also when another
/// instance still looks live, having died moments before without a stop record.
/// </summary>
public sealed class CommandCatchUpTests
{
    [Fact]
    public async Task A_command_written_while_no_bridge_runs_is_answered_by_the_next_one_to_start()
    {
        var settings = new Dictionary<string, string> { ["Bridge:PresenceHeartbeat"] = "00:00:01" };
        var first = await TestBridge.StartAsync(settings, createTopics: names => KafkaFixture.Shared.CreateTopics(names, partitions: 1));
        var device = await first.AddDeviceAsync();
        await first.DisposeAsync();

        var whileDown = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(first, device.DeviceId, whileDown);

        await using var next = await TestBridge.StartAsync(settings, fleetOf: first);
        var outcome = await FleetCommands.WaitForAsync(next, whileDown, "offline");
        Assert.Equal(next.Services.GetRequiredService<PresenceView>().Self, outcome.Instance);
    }

    [Fact]
    public async Task A_command_written_after_the_other_instance_died_unseen_is_answered_by_one_starting_while_it_looks_live()
    {
        var settings = new Dictionary<string, string> { ["Bridge:PresenceHeartbeat"] = "00:00:01" };
        var first = await TestBridge.StartAsync(settings, createTopics: names => KafkaFixture.Shared.CreateTopics(names, partitions: 1));
        var device = await first.AddDeviceAsync();
        await first.DisposeAsync();

        // Another instance killed a moment ago: its last heartbeat (every 4 s) is recent, so it counts as live for
        // 12 s more, and it had read every command written so far.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var readTo = new Dictionary<int, long> { [0] = EndOf(first, first.Topics.Commands) };
        await WritePresenceAsync(first, new InstancePresence("killed-unseen", now, 4_000, ReadTo: readTo, StartedMs: now - 60_000,
            ReadFrom: new Dictionary<int, long> { [0] = 0 }));
        var whileDown = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(first, device.DeviceId, whileDown);

        await using var next = await TestBridge.StartAsync(settings, fleetOf: first);
        var outcome = await FleetCommands.WaitForAsync(next, whileDown, "offline");
        Assert.Equal(next.Services.GetRequiredService<PresenceView>().Self, outcome.Instance);
        Assert.Single(await FleetCommands.AllAsync(next, whileDown));
    }

    [Fact]
    public async Task Two_bridges_starting_together_after_all_stopped_answer_each_command_written_meanwhile_once()
    {
        // A compose restart of the whole fleet: neither new instance sees the other when it starts, both catch up over
        // the same commands, and only one of them may answer each.
        var settings = new Dictionary<string, string> { ["Bridge:PresenceHeartbeat"] = "00:00:01" };
        var first = await TestBridge.StartAsync(settings, createTopics: names => KafkaFixture.Shared.CreateTopics(names, partitions: 1));
        var devices = new List<string>();
        for (var i = 0; i < 4; i++)
            devices.Add((await first.AddDeviceAsync()).DeviceId);
        await first.DisposeAsync();

        var whileDown = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        for (var i = 0; i < whileDown.Length; i++)
            await FleetCommands.SendAsync(first, devices[i % devices.Count], whileDown[i]);

        await AssertTwoStartingTogetherAnswerEachOnceAsync(first, settings, whileDown);
    }

    [Fact]
    public async Task Two_bridges_starting_together_while_the_killed_one_still_looks_live_answer_each_command_once()
    {
        // Every bridge killed (kill -9), then two started at once: the dead one's last heartbeat still counts it live for
        // a while, so both leave it the commands it would read; once its heartbeats are missed, they decide again, and
        // the one of them that began reading first answers.
        var settings = new Dictionary<string, string> { ["Bridge:PresenceHeartbeat"] = "00:00:01" };
        var first = await TestBridge.StartAsync(settings, createTopics: names => KafkaFixture.Shared.CreateTopics(names, partitions: 1));
        var device = await first.AddDeviceAsync();
        await first.DisposeAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var end = EndOf(first, first.Topics.Commands);
        await WritePresenceAsync(first, new InstancePresence("killed-unseen", now, 2_000, ReadTo: new Dictionary<int, long> { [0] = end },
            StartedMs: now - 60_000, ReadFrom: new Dictionary<int, long> { [0] = 0 }));

        var whileDown = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        foreach (var command in whileDown)
            await FleetCommands.SendAsync(first, device.DeviceId, command);

        await AssertTwoStartingTogetherAnswerEachOnceAsync(first, settings, whileDown);
    }

    /// <summary>Starts two bridges of the fleet at once, waits for every command's outcome, stops both, and checks each command has exactly one.</summary>
    private static async Task AssertTwoStartingTogetherAnswerEachOnceAsync(TestBridge fleet, Dictionary<string, string> settings, string[] commands)
    {
        var bridges = await Task.WhenAll(TestBridge.StartAsync(settings, fleetOf: fleet), TestBridge.StartAsync(settings, fleetOf: fleet));
        await using (bridges[0])
        await using (bridges[1])
        {
            foreach (var command in commands)
                await FleetCommands.WaitForAsync(bridges[0], command, "offline");
        }

        // Both stopped, so everything either of them was going to write is in Kafka now.
        var outcomes = await FleetCommands.AllAsync(fleet, commands);
        Assert.All(commands, command => Assert.Single(outcomes, o => o.CommandId == command));
    }

    private static long EndOf(TestBridge bridge, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bridge.BootstrapServers, GroupId = "end-of" }).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value;
    }

    private static async Task WritePresenceAsync(TestBridge bridge, InstancePresence instance)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bridge.BootstrapServers }).Build();
        await producer.ProduceAsync(bridge.Topics.Presence, new Message<string, byte[]>
        {
            Key = PresenceCodec.InstanceKey(instance.Instance),
            Value = PresenceCodec.Encode(instance),
        });
    }
}
