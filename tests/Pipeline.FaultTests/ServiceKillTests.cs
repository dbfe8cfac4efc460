using System.Text.Json;
using Pipeline.Cli.IntegrationTests;
using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// kill -9 of a service under `up` while a simulated fleet publishes QoS 1: `up` restarts it, and at the
/// end every acknowledged metric value is in iot.telemetry exactly once (nothing missing, nothing twice).
/// </summary>
public sealed partial class ServiceKillTests
{
    private const int SigKill = 9;

    [Theory]
    [InlineData("Pipeline.SinkWriter", 200)]
    [InlineData("Pipeline.RulesProcessor", 200)]
    // Five times the rate: more in flight between a state write and its output when the kill lands (issue 19).
    [InlineData("Pipeline.RulesProcessor", 1000)]
    public async Task Acknowledged_values_land_once_after_a_service_is_killed(string service, int rate)
    {
        await using var pipeline = await RunningPipeline.StartAsync();
        var firstPid = pipeline.ServicePid(service);
        Assert.True(firstPid is not null, $"{service} runs under up");

        await using var simulate = CliProcess.Start(pipeline.Home, "simulate", "--devices", "5", "--rate", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), "--duration", "15s", "--register", "--json");
        await Eventually.HoldsAsync(() => pipeline.CountAsync("SELECT count() FROM iot.telemetry"), n => n > 0,
            TimeSpan.FromSeconds(60), "rows arrive before the fault");

        Assert.Equal(0, Kill(firstPid!.Value, SigKill));
        await Eventually.HoldsAsync(() => pipeline.ServicePid(service) is { } pid && pid != firstPid,
            TimeSpan.FromSeconds(60), $"up restarts {service} after kill -9");

        await simulate.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(simulate.ExitCode == 0, simulate.Stderr + simulate.Stdout);
        var acknowledged = JsonDocument.Parse(simulate.Stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("acknowledgedMetricValues").GetInt64();
        Assert.True(acknowledged > 0, simulate.Stdout);

        await Eventually.HoldsAsync(() => pipeline.CountAsync("SELECT count() FROM iot.telemetry"), n => n == acknowledged,
            TimeSpan.FromSeconds(90), $"iot.telemetry holds the {acknowledged} acknowledged metric values");
        Assert.Equal(acknowledged, await pipeline.CountAsync("SELECT uniqExact(device_id, seq, metric) FROM iot.telemetry"));
        Assert.Contains("restarting", pipeline.Up.Stdout + pipeline.Up.Stderr);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
