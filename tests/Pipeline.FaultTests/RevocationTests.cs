using Pipeline.Cli.IntegrationTests;
using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// A device revoked with `./pipeline devices revoke` while it publishes QoS 1: every publish the bridge acknowledged
/// before it closed the connection is stored once (the processor does not drop it as REVOKED_DEVICE although the
/// device is revoked by the time it is processed), and nothing of the device is acknowledged after that.
/// </summary>
public sealed class RevocationTests
{
    [Fact]
    public async Task Every_publish_acknowledged_before_a_revocation_is_stored_once_and_none_is_acknowledged_after_it()
    {
        await using var pipeline = await RunningPipeline.StartAsync(ResendingFleet.UnthrottledSettings);
        var fleet = await ResendingFleet.StartAsync(pipeline, "revoke", devices: 2);
        await fleet.WaitForMoreAcknowledgedAsync(300, TimeSpan.FromSeconds(60), "devices publish before the revocation");

        fleet.ExpectRevocation("revoke-0");
        await using (var revoke = await CliProcess.RunAsync(pipeline.Home, "devices", "revoke", "revoke-0"))
            Assert.True(revoke.ExitCode == 0, revoke.Stderr + revoke.Stdout);

        // The other device goes on; by the time it has 200 more, the bridge has closed the revoked one's connection.
        await fleet.WaitForMoreAcknowledgedAsync(200, TimeSpan.FromSeconds(60), "the device that was not revoked goes on");
        var revokedAcknowledged = Acknowledged(fleet, "revoke-0");
        await fleet.WaitForMoreAcknowledgedAsync(200, TimeSpan.FromSeconds(60), "the device that was not revoked goes on further");
        Assert.Equal(revokedAcknowledged, Acknowledged(fleet, "revoke-0"));
        await fleet.StopAsync();

        Assert.True(revokedAcknowledged > 0, "the revoked device had publishes acknowledged before the revocation");
        await fleet.AssertStoredExactlyOnceAsync(pipeline, TimeSpan.FromSeconds(120));
    }

    private static int Acknowledged(ResendingFleet fleet, string deviceId) => fleet.AcknowledgedMessages.Count(m => m.Device == deviceId);
}
