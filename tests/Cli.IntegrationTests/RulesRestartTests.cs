using System.Text.Json.Nodes;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>Rules live in iot.rules, which the embedded stack mirrors to .pipeline: a stop and start of `up` keeps them.</summary>
public sealed class RulesRestartTests
{
    [Fact]
    public async Task Rules_and_their_deletions_survive_a_stop_and_start_of_up_and_versions_continue()
    {
        using var home = new CliHome();
        UpTests.UseFreePorts(home);

        await using (var up = CliProcess.Start(home, "up", "--fresh"))
        {
            await WaitForRulesApiAsync(home, up);
            Assert.Equal(0, (await RunAsync(home, "rules", "add", "kept", "--sql", "SELECT * FROM 'devices/+/events'", "--action", "kafka:events.copy", "--disabled")).ExitCode);
            Assert.Equal(0, (await RunAsync(home, "rules", "add", "dropped", "--sql", "SELECT * FROM 'devices/+/events'", "--action", "kafka:x")).ExitCode);
            Assert.Equal(0, (await RunAsync(home, "rules", "delete", "dropped")).ExitCode);

            up.Signal(CliProcess.SigTerm);
            await up.WaitForExitAsync(TimeSpan.FromSeconds(90));
            Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        }

        await using (var again = CliProcess.Start(home, "up"))
        {
            await WaitForRulesApiAsync(home, again);
            var list = await RunAsync(home, "rules", "list", "--json");
            Assert.True(list.ExitCode == 0, list.Stderr);
            var rule = Assert.Single(JsonNode.Parse(list.Stdout)!.AsArray())!;
            Assert.Equal(("kept", 1L, false), (rule["name"]!.GetValue<string>(), rule["version"]!.GetValue<long>(), rule["enabled"]!.GetValue<bool>()));

            var enabled = await RunAsync(home, "rules", "enable", "kept");
            Assert.True(enabled.ExitCode == 0, enabled.Stderr);
            Assert.Contains("version 2", enabled.Stdout);

            again.Signal(CliProcess.SigTerm);
            await again.WaitForExitAsync(TimeSpan.FromSeconds(90));
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(CliHome home, params string[] args)
    {
        await using var run = await CliProcess.RunAsync(home, args);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    private static async Task WaitForRulesApiAsync(CliHome home, CliProcess up)
    {
        await UpTests.WaitForEndpointsAsync(home, up);
        await Eventually.HoldsAsync(async () => (await RunAsync(home, "rules", "list", "--json")).ExitCode, exit => exit == 0,
            TimeSpan.FromSeconds(30), "the rules API answers");
    }
}
