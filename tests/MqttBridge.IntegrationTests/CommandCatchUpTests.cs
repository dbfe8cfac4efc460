using Microsoft.Extensions.DependencyInjection;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.MqttBridge.Presence;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// The only bridge stops; a command is written while none runs; the next bridge to start (alone) answers for it,
/// because it reads iot.commands from when the last instance stopped reading instead of from the end.
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
}
