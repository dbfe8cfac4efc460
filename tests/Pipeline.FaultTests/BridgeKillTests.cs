using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// kill -9 of the bridge under `up` while devices publish QoS 1 and, like real devices, reconnect and
/// resend what was not acknowledged (same seq): every acknowledged (device, seq) is stored exactly once.
/// </summary>
public sealed partial class BridgeKillTests
{
    [Fact]
    public async Task Acknowledged_values_land_once_after_the_bridge_is_killed()
    {
        await using var pipeline = await RunningPipeline.StartAsync(ResendingFleet.UnthrottledSettings);
        var fleet = await ResendingFleet.StartAsync(pipeline, "kill", devices: 3);

        await fleet.WaitForMoreAcknowledgedAsync(200, TimeSpan.FromSeconds(60), "devices publish before the fault");
        var bridge = pipeline.ServicePid("Pipeline.MqttBridge");
        Assert.True(bridge is not null, "the bridge runs under up");
        Assert.Equal(0, Kill(bridge!.Value, 9));
        await Eventually.HoldsAsync(() => pipeline.ServicePid("Pipeline.MqttBridge") is { } pid && pid != bridge, TimeSpan.FromSeconds(60), "up restarts the bridge");
        await fleet.WaitForMoreAcknowledgedAsync(200, TimeSpan.FromSeconds(120), "devices are acknowledged again after the restart");
        await fleet.StopAsync();

        await fleet.AssertStoredExactlyOnceAsync(pipeline, TimeSpan.FromSeconds(90));
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
