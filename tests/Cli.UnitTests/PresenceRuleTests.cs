using Pipeline.Cli.Devices;

namespace Pipeline.Cli.UnitTests;

public class PresenceRuleTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_764_230_400);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    private static DeviceConnectivity Device(bool disconnected = false, string instance = "bridge-a") =>
        new("dev-1", "c1", instance, T0, disconnected, T0);

    private static Dictionary<string, InstanceLiveness> Instance(DateTimeOffset? start, DateTimeOffset? stop, DateTimeOffset lastEvent) =>
        new() { ["bridge-a"] = new InstanceLiveness("bridge-a", start, stop, lastEvent, Heartbeat) };

    [Fact]
    public void A_connection_without_disconnect_on_a_live_instance_is_connected()
    {
        Assert.True(PresenceRule.IsConnected(Device(), Instance(T0.AddMinutes(-5), null, T0.AddSeconds(20)), T0.AddSeconds(30)));
    }

    [Fact]
    public void A_disconnect_with_the_connections_id_ends_it()
    {
        Assert.False(PresenceRule.IsConnected(Device(disconnected: true), Instance(T0.AddMinutes(-5), null, T0.AddSeconds(20)), T0.AddSeconds(30)));
    }

    [Fact]
    public void A_crashed_instance_that_started_again_ends_its_earlier_connections()
    {
        Assert.False(PresenceRule.IsConnected(Device(), Instance(T0.AddSeconds(5), null, T0.AddSeconds(5)), T0.AddSeconds(6)));
    }

    [Fact]
    public void An_instance_whose_heartbeats_stopped_no_longer_holds_connections()
    {
        var instances = Instance(T0.AddMinutes(-5), null, T0.AddSeconds(10));
        Assert.True(PresenceRule.IsConnected(Device(), instances, T0.AddSeconds(10) + 3 * Heartbeat - TimeSpan.FromSeconds(1)));
        Assert.False(PresenceRule.IsConnected(Device(), instances, T0.AddSeconds(10) + 3 * Heartbeat));
    }

    [Fact]
    public void A_stopped_instance_or_an_unknown_one_holds_no_connections()
    {
        Assert.False(PresenceRule.IsConnected(Device(), Instance(T0.AddMinutes(-5), T0.AddSeconds(1), T0.AddSeconds(1)), T0.AddSeconds(2)));
        Assert.False(PresenceRule.IsConnected(Device(instance: "bridge-b"), Instance(T0.AddMinutes(-5), null, T0), T0.AddSeconds(1)));
    }
}
