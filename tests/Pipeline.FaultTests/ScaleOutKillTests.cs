using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// Two bridges behind the load balancer, two processors, two sinks (`up --bridges 2 --processors 2 --sinks 2`). Devices
/// publish QoS 1 through the balancer and resend what was not acknowledged (same seq) after a lost connection, while
/// one instance of each kind in turn is killed with kill -9 and restarted by `up`: every acknowledged (device, seq) is
/// stored exactly once.
/// </summary>
public sealed partial class ScaleOutKillTests
{
    [Fact]
    public async Task Acknowledged_values_land_once_while_one_instance_of_each_kind_is_killed()
    {
        await using var pipeline = await RunningPipeline.StartAsync(ResendingFleet.UnthrottledSettings, "--bridges", "2", "--processors", "2", "--sinks", "2");
        var fleet = await ResendingFleet.StartAsync(pipeline, "scale", devices: 6);
        await fleet.WaitForMoreAcknowledgedAsync(300, TimeSpan.FromSeconds(60), "devices publish through the balancer before the faults");

        foreach (var (assembly, instance) in new[]
        {
            ("Pipeline.MqttBridge", "mqtt-bridge-2"),
            ("Pipeline.RulesProcessor", "rules-processor-2"),
            ("Pipeline.SinkWriter", "sink-writer-2"),
        })
        {
            var pid = pipeline.ServicePid(assembly, instance);
            Assert.True(pid is not null, $"{instance} runs under up");
            Assert.Equal(0, Kill(pid!.Value, 9));
            await Eventually.HoldsAsync(() => pipeline.ServicePid(assembly, instance) is { } restarted && restarted != pid,
                TimeSpan.FromSeconds(60), $"up restarts {instance} after kill -9");
            await fleet.WaitForMoreAcknowledgedAsync(300, TimeSpan.FromSeconds(120), $"devices are acknowledged again after {instance} was killed");
        }
        await fleet.StopAsync();

        await fleet.AssertStoredExactlyOnceAsync(pipeline, TimeSpan.FromSeconds(120));
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
