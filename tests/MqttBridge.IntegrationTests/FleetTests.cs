using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.MqttBridge.Presence;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// Two bridge instances on one Kafka (the same topics, one partition each so that every instance reads the commands
/// in one order): a command is acted on by the instance that holds the device, once; a device is connected to one
/// instance at a time; a new instance does not answer for commands written before it started.
/// </summary>
public sealed class FleetTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Settings = new() { ["Bridge:PresenceHeartbeat"] = "00:00:01" };

    private TestBridge _one = null!;
    private TestBridge _two = null!;

    public async Task InitializeAsync()
    {
        _one = await TestBridge.StartAsync(Settings, createTopics: names => KafkaFixture.Shared.CreateTopics(names, partitions: 1));
        _two = await TestBridge.StartAsync(Settings, fleetOf: _one);
    }

    public async Task DisposeAsync()
    {
        await _two.DisposeAsync();
        await _one.DisposeAsync();
    }

    [Fact]
    public async Task A_command_for_a_device_on_the_second_instance_is_delivered_once_with_one_set_of_outcomes()
    {
        var device = await AddDeviceToBothAsync();
        var marker = await AddDeviceToBothAsync();
        var received = new List<string>();
        using var onTwo = await ConnectSubscribedAsync(_two, device, received);
        using var markerOnOne = await ConnectSubscribedAsync(_one, marker, []);
        await WaitUntilBothSeeAsync(device.DeviceId, _two);
        await WaitUntilBothSeeAsync(marker.DeviceId, _one);

        var commandId = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(_one, device.DeviceId, commandId);
        await FleetCommands.WaitForAsync(_one, commandId, "delivered");
        // Written after the first one to the same partition: once instance one answered for it, it had read the first.
        var markerCommand = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(_one, marker.DeviceId, markerCommand);
        await FleetCommands.WaitForAsync(_one, markerCommand, "sent");

        var outcomes = await FleetCommands.AllAsync(_one, commandId);
        // One "sent" and one "delivered" (the device's PUBACK may be recorded before "sent" is), no "offline".
        Assert.Equal(["delivered", "sent"], outcomes.Select(o => o.Outcome).Order(StringComparer.Ordinal));
        Assert.All(outcomes, o => Assert.Equal(InstanceOf(_two), o.Instance));
        lock (received)
            Assert.Equal([commandId], received);
    }

    [Fact]
    public async Task A_device_connecting_to_another_instance_takes_its_session_over_with_0x8E()
    {
        var device = await AddDeviceToBothAsync();
        MqttClientDisconnectReason? reason = null;
        using var first = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(_one.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        first.DisconnectedAsync += e =>
        {
            reason = e.Reason;
            return Task.CompletedTask;
        };
        await WaitUntilBothSeeAsync(device.DeviceId, _one);

        using var second = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(_two.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        await Eventually.HoldsAsync(() => reason is not null, TimeSpan.FromSeconds(20), "the first connection is taken over");
        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, reason);
        Assert.True(second.IsConnected);

        // The device is instance two's now: its commands are delivered there.
        var received = new List<string>();
        second.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
                received.Add(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await second.SubscribeAsync($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce);
        await WaitUntilBothSeeAsync(device.DeviceId, _two);
        var commandId = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(_one, device.DeviceId, commandId);
        var delivered = await FleetCommands.WaitForAsync(_one, commandId, "delivered");
        Assert.Equal(InstanceOf(_two), delivered.Instance);
    }

    [Fact]
    public async Task Commands_sent_the_moment_devices_connect_to_the_other_instance_get_one_set_of_outcomes_each()
    {
        // Neither instance has read where the device is when the command arrives; half the devices are owned (by hash)
        // by instance one, which must not answer "offline" for a device instance two has just accepted.
        var commands = new List<(string DeviceId, string CommandId, List<string> Received, IMqttClient Client)>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                var device = await AddDeviceToBothAsync();
                var received = new List<string>();
                var client = await ConnectSubscribedAsync(_two, device, received);
                var commandId = Guid.NewGuid().ToString("N");
                await FleetCommands.SendAsync(_one, device.DeviceId, commandId);
                commands.Add((device.DeviceId, commandId, received, client));
            }
            await AssertOneSetOfOutcomesEachAsync(commands.Select(c => (c.CommandId, c.Received)).ToList(), _two);
        }
        finally
        {
            foreach (var command in commands)
                command.Client.Dispose();
        }
    }

    [Fact]
    public async Task Commands_sent_the_moment_devices_are_taken_over_by_the_other_instance_get_one_set_of_outcomes_each()
    {
        var clients = new List<IMqttClient>();
        var commands = new List<(string CommandId, List<string> Received)>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var device = await AddDeviceToBothAsync();
                clients.Add(await ConnectSubscribedAsync(_one, device, []));
                await WaitUntilBothSeeAsync(device.DeviceId, _one);
                var received = new List<string>();
                clients.Add(await ConnectSubscribedAsync(_two, device, received));
                var commandId = Guid.NewGuid().ToString("N");
                await FleetCommands.SendAsync(_one, device.DeviceId, commandId);
                commands.Add((commandId, received));
            }
            await AssertOneSetOfOutcomesEachAsync(commands, _two);
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }

    [Fact]
    public async Task A_command_for_a_device_that_resumes_its_session_at_the_other_instance_a_moment_later_reaches_it_there_once()
    {
        // Away from instance one with a session when the command is written, so instance one answers for it and
        // queues it in the stored session; the device is back at instance two by then, which delivers it.
        var device = await AddDeviceToBothAsync();
        await LeaveWithSessionAsync(_one, device);

        var received = new List<string>();
        using var again = new MqttClientFactory().CreateMqttClient();
        again.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
                received.Add(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        var commandId = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(_one, device.DeviceId, commandId);
        var connack = await again.ConnectAsync(Persistent(_two, device));
        Assert.True(connack.IsSessionPresent, "the session is resumed at instance two");

        Assert.Equal(InstanceOf(_two), (await FleetCommands.WaitForAsync(_one, commandId, "delivered")).Instance);
        await Eventually.HoldsAsync(() => { lock (received) return received.Count >= 1; }, TimeSpan.FromSeconds(10), "the command arrives");
        // A later command to the device (connected at two): once it is delivered, every instance read past the first.
        var later = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(_one, device.DeviceId, later);
        await FleetCommands.WaitForAsync(_one, later, "delivered");
        var outcomes = await FleetCommands.AllAsync(_one, commandId);
        Assert.Equal(["delivered", "sent"], outcomes.Select(o => o.Outcome).Order(StringComparer.Ordinal));
        lock (received)
            Assert.Equal([commandId, later], received);
    }

    [Fact]
    public async Task A_new_instance_records_nothing_for_commands_written_before_it_started()
    {
        var device = await AddDeviceToBothAsync();
        var old = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(_one, device.DeviceId, old);
        await FleetCommands.WaitForAsync(_one, old, "offline");

        await using var three = await TestBridge.StartAsync(Settings, fleetOf: _one);
        await three.WaitForDeviceAsync(device.DeviceId);
        // A command for a device connected to the new instance, written after the old one: once it is sent, the new
        // instance has read past where the old one would be.
        var marker = await AddDeviceToBothAsync();
        await three.WaitForDeviceAsync(marker.DeviceId);
        using var markerOnThree = await ConnectSubscribedAsync(three, marker, []);
        var markerCommand = Guid.NewGuid().ToString("N");
        await FleetCommands.SendAsync(_one, marker.DeviceId, markerCommand);
        await FleetCommands.WaitForAsync(_one, markerCommand, "sent");

        var outcomes = await FleetCommands.AllAsync(_one, old);
        Assert.Equal(["offline"], outcomes.Select(o => o.Outcome));
        Assert.NotEqual(InstanceOf(three), outcomes[0].Instance);
    }

    [Fact]
    public async Task A_device_away_with_a_persistent_session_gets_its_queued_commands_at_another_instance_once_its_own_is_gone()
    {
        var device = await AddDeviceToBothAsync();
        var three = await TestBridge.StartAsync(Settings, fleetOf: _one);
        var threeGone = false;
        try
        {
            await three.WaitForDeviceAsync(device.DeviceId);
            await LeaveWithSessionAsync(three, device);
            var threeId = InstanceOf(three);

            // Queued while its instance lives, then that instance goes, then another command is queued by the survivors.
            var before = Guid.NewGuid().ToString("N");
            await FleetCommands.SendAsync(_one, device.DeviceId, before);
            Assert.Equal(threeId, (await FleetCommands.WaitForAsync(_one, before, "sent")).Instance);
            await three.DisposeAsync();
            threeGone = true;
            // Sent at once: the survivors may still count instance three live when they read it, leave it to three,
            // and decide again when they read its stop record.
            var after = Guid.NewGuid().ToString("N");
            await FleetCommands.SendAsync(_one, device.DeviceId, after);
            Assert.NotEqual(threeId, (await FleetCommands.WaitForAsync(_one, after, "sent")).Instance);
            var sessions = _two.Services.GetRequiredService<DurableSessions>();
            await Eventually.HoldsAsync(() => sessions.TryGet(device.DeviceId, out var s) && s.Queued.Count == 2, TimeSpan.FromSeconds(20),
                "instance two reads both queued commands in iot.sessions");

            var received = new List<string>();
            var again = new MqttClientFactory().CreateMqttClient();
            using (again)
            {
                again.ApplicationMessageReceivedAsync += e =>
                {
                    lock (received)
                        received.Add(e.ApplicationMessage.ConvertPayloadToString());
                    return Task.CompletedTask;
                };
                var connack = await again.ConnectAsync(Persistent(_two, device));
                Assert.True(connack.IsSessionPresent, "the session is resumed at instance two");
                await Eventually.HoldsAsync(() => { lock (received) return received.Count >= 2; }, TimeSpan.FromSeconds(30), "both queued commands arrive");
                lock (received)
                    Assert.Equal([before, after], received);
                foreach (var commandId in new[] { before, after })
                    Assert.Equal(InstanceOf(_two), (await FleetCommands.WaitForAsync(_one, commandId, "delivered")).Instance);
            }
        }
        finally
        {
            if (!threeGone)
                await three.DisposeAsync();
        }
    }

    [Fact]
    public async Task Commands_sent_while_the_instance_holding_their_device_stops_get_one_outcome_each()
    {
        var device = await AddDeviceToBothAsync();
        var three = await TestBridge.StartAsync(Settings, fleetOf: _one);
        var stopping = Task.CompletedTask;
        try
        {
            await three.WaitForDeviceAsync(device.DeviceId);
            using var onThree = await ConnectSubscribedAsync(three, device, []);
            await WaitUntilBothSeeAsync(device.DeviceId, three);
            var threeId = InstanceOf(three);

            // Before, while and after instance three stops: three sends the ones it decided, the survivors answer for the
            // rest (offline), whether they read a command before or after they learn that three stopped.
            var before = Guid.NewGuid().ToString("N");
            await FleetCommands.SendAsync(_one, device.DeviceId, before);
            await FleetCommands.WaitForAsync(_one, before, "sent");
            var commandIds = new List<string> { before };
            stopping = three.DisposeAsync().AsTask();
            var sentAfterStop = 0;
            while (sentAfterStop < 5 && commandIds.Count < 300)
            {
                if (stopping.IsCompleted)
                    sentAfterStop++;
                var commandId = Guid.NewGuid().ToString("N");
                await FleetCommands.SendAsync(_one, device.DeviceId, commandId);
                commandIds.Add(commandId);
            }
            await stopping;

            var outcomes = await Eventually.HoldsAsync(() => FleetCommands.AllAsync(_one, [.. commandIds]),
                found => commandIds.All(id => found.Any(o => o.CommandId == id && o.Outcome is "sent" or "offline")),
                TimeSpan.FromSeconds(45), $"each of the {commandIds.Count} commands gets an outcome");
            foreach (var commandId in commandIds)
            {
                var answers = outcomes.Where(o => o.CommandId == commandId && o.Outcome != "delivered").ToList();
                var answer = Assert.Single(answers);
                Assert.True(answer.Outcome == "sent" ? answer.Instance == threeId : answer.Instance != threeId,
                    $"{commandId}: {answer.Outcome} by {answer.Instance}");
            }
            Assert.Contains(outcomes, o => o.Outcome == "offline");
            Assert.Contains(outcomes, o => o.Outcome == "sent");
        }
        finally
        {
            await stopping;
            if (stopping == Task.CompletedTask)
                await three.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_stored_session_past_its_expiry_is_not_resumed_at_another_instance_and_queues_nothing()
    {
        var device = await AddDeviceToBothAsync();
        var three = await TestBridge.StartAsync(Settings, fleetOf: _one);
        var threeGone = false;
        try
        {
            await three.WaitForDeviceAsync(device.DeviceId);
            var first = await DeviceClients.ConnectOrThrowAsync(Persistent(three, device, sessionExpirySeconds: 1));
            await first.SubscribeAsync($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce);
            await first.DisconnectAsync();
            first.Dispose();
            var sessions = _two.Services.GetRequiredService<DurableSessions>();
            await Eventually.HoldsAsync(() => sessions.TryGet(device.DeviceId, out var s) && s.DisconnectedAtMs is not null, TimeSpan.FromSeconds(20),
                "instance two reads the stored session");
            var threeId = InstanceOf(three);
            await three.DisposeAsync();
            threeGone = true;
            await SurvivorsSeeGoneAsync(threeId);
            // The session's second passes (what instance two holds says so: expired, or already removed by instance three,
            // whose in-memory session expired too if it was still running a second after the disconnect); a command after
            // it finds no session.
            await Eventually.HoldsAsync(() => !sessions.TryGet(device.DeviceId, out var s)
                || s.ExpiredAt(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null), TimeSpan.FromSeconds(20), "the stored session expires");
            var late = Guid.NewGuid().ToString("N");
            await FleetCommands.SendAsync(_one, device.DeviceId, late);
            await FleetCommands.WaitForAsync(_one, late, "offline");

            using var again = new MqttClientFactory().CreateMqttClient();
            var connack = await again.ConnectAsync(Persistent(_two, device));
            Assert.False(connack.IsSessionPresent, "an expired session is not resumed");
        }
        finally
        {
            if (!threeGone)
                await three.DisposeAsync();
        }
    }

    /// <summary>
    /// Each command was delivered once by <paramref name="holder"/>: one "sent", one "delivered", nothing from the
    /// other instance, also once both instances read past it (a later command each has answered).
    /// </summary>
    private async Task AssertOneSetOfOutcomesEachAsync(IReadOnlyList<(string CommandId, List<string> Received)> commands, TestBridge holder)
    {
        foreach (var (commandId, _) in commands)
            await FleetCommands.WaitForAsync(_one, commandId, "delivered");
        foreach (var bridge in new[] { _one, _two })
        {
            var marker = await AddDeviceToBothAsync();
            using var client = await ConnectSubscribedAsync(bridge, marker, []);
            await WaitUntilBothSeeAsync(marker.DeviceId, bridge);
            var markerCommand = Guid.NewGuid().ToString("N");
            await FleetCommands.SendAsync(_one, marker.DeviceId, markerCommand);
            await FleetCommands.WaitForAsync(_one, markerCommand, "sent");
        }
        var outcomes = await FleetCommands.AllAsync(_one, [.. commands.Select(c => c.CommandId)]);
        foreach (var (commandId, received) in commands)
        {
            var mine = outcomes.Where(o => o.CommandId == commandId).ToList();
            Assert.True(mine.Select(o => o.Outcome).Order(StringComparer.Ordinal).SequenceEqual(["delivered", "sent"])
                && mine.All(o => o.Instance == InstanceOf(holder)),
                $"{commandId}: {string.Join(", ", mine.Select(o => $"{o.Outcome} by {o.Instance}"))}");
            lock (received)
                Assert.Equal([commandId], received);
        }
    }

    /// <summary>The device subscribes at <paramref name="bridge"/> with a persistent session and leaves; instances one and two see it away there.</summary>
    private async Task LeaveWithSessionAsync(TestBridge bridge, DeviceRegistry.DeviceAdded device)
    {
        var first = await DeviceClients.ConnectOrThrowAsync(Persistent(bridge, device));
        await first.SubscribeAsync($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce);
        await first.DisconnectAsync();
        first.Dispose();
        var holder = InstanceOf(bridge);
        foreach (var reader in new[] { _one, _two })
        {
            var view = reader.Services.GetRequiredService<PresenceView>();
            await Eventually.HoldsAsync(() => view.TryGet(device.DeviceId, out var p) && p.Instance == holder && !p.Connected && p.Persistent,
                TimeSpan.FromSeconds(20), $"{InstanceOf(reader)} sees {device.DeviceId} away from {holder} with a session");
        }
    }

    private async Task SurvivorsSeeGoneAsync(string instance)
    {
        foreach (var bridge in new[] { _one, _two })
        {
            var view = bridge.Services.GetRequiredService<PresenceView>();
            await Eventually.HoldsAsync(() => !view.IsLive(instance, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), TimeSpan.FromSeconds(30),
                $"{InstanceOf(bridge)} sees instance {instance} gone");
        }
    }

    private static MqttClientOptions Persistent(TestBridge bridge, DeviceRegistry.DeviceAdded device, uint sessionExpirySeconds = 300) =>
        DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token)
            .WithCleanStart(false).WithSessionExpiryInterval(sessionExpirySeconds).Build();

    private async Task<DeviceRegistry.DeviceAdded> AddDeviceToBothAsync()
    {
        var device = await _one.AddDeviceAsync();
        await _two.WaitForDeviceAsync(device.DeviceId);
        return device;
    }

    private static async Task<IMqttClient> ConnectSubscribedAsync(TestBridge bridge, DeviceRegistry.DeviceAdded device, List<string> received)
    {
        var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        client.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
                received.Add(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await client.SubscribeAsync($"devices/{device.DeviceId}/commands", MqttQualityOfServiceLevel.AtLeastOnce);
        return client;
    }

    // Routing follows iot.presence: wait until both instances read where the device is.
    private async Task WaitUntilBothSeeAsync(string deviceId, TestBridge holder)
    {
        foreach (var bridge in new[] { _one, _two })
        {
            var view = bridge.Services.GetRequiredService<PresenceView>();
            await Eventually.HoldsAsync(() => view.TryGet(deviceId, out var p) && p.Connected && p.Instance == InstanceOf(holder),
                TimeSpan.FromSeconds(20), $"{InstanceOf(bridge)} sees {deviceId} at {InstanceOf(holder)}");
        }
    }

    private static string InstanceOf(TestBridge bridge) => bridge.Services.GetRequiredService<PresenceView>().Self;
}
