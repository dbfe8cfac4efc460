using System.Net.Http.Headers;
using System.Text;
using Pipeline.Cli.IntegrationTests;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// A rule's clickhouse action under kill -9 of the processor: every telemetry record stored in iot.telemetry has
/// its one row in the operator's table, none missing and none twice (issue 14; docs/rules.md "clickhouse").
/// </summary>
public sealed partial class RuleActionKillTests
{
    private const int SigKill = 9;
    private const string Service = "Pipeline.RulesProcessor";

    [Fact]
    public async Task A_clickhouse_action_writes_each_record_once_across_a_processor_kill()
    {
        await using var pipeline = await RunningPipeline.StartAsync();
        // The operator's table, created as the migrator (the analyst cannot); the deduplication window lets the sink's
        // insert tokens drop a batch it writes again after a restart.
        await AsMigratorAsync(pipeline, """
            CREATE TABLE iot.rule_copy (device_id String, seq Nullable(UInt64), ts Int64)
            ENGINE = MergeTree ORDER BY (device_id, ts) SETTINGS non_replicated_deduplication_window = 1000
            """);
        await using (var add = await CliProcess.RunAsync(pipeline.Home, "rules", "add", "copy",
            "--sql", "SELECT topic(2) AS device_id, seq, ts FROM 'devices/+/telemetry'", "--action", "clickhouse:iot.rule_copy"))
            Assert.True(add.ExitCode == 0, add.Stderr + add.Stdout);

        var firstPid = pipeline.ServicePid(Service);
        Assert.True(firstPid is not null, $"{Service} runs under up");
        await using var simulate = CliProcess.Start(pipeline.Home, "simulate", "--devices", "5", "--rate", "500", "--duration", "15s", "--register", "--json");
        await Eventually.HoldsAsync(() => pipeline.CountAsync("SELECT count() FROM iot.rule_copy"), n => n > 0,
            TimeSpan.FromSeconds(60), "the rule's rows arrive before the fault");

        Assert.Equal(0, Kill(firstPid!.Value, SigKill));
        await Eventually.HoldsAsync(() => pipeline.ServicePid(Service) is { } pid && pid != firstPid,
            TimeSpan.FromSeconds(60), $"up restarts {Service} after kill -9");
        await simulate.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(simulate.ExitCode == 0, simulate.Stderr + simulate.Stdout);

        // Every stored telemetry record (device, seq, device time) has exactly one row in the rule's table.
        const string stored = "SELECT count() FROM (SELECT DISTINCT device_id, seq, toUnixTimestamp64Milli(ts) FROM iot.telemetry)";
        await Eventually.HoldsAsync(async () => (await pipeline.CountAsync(stored), await pipeline.CountAsync("SELECT count() FROM iot.rule_copy")),
            counts => counts.Item1 > 0 && counts.Item1 == counts.Item2, TimeSpan.FromSeconds(120), "the rule's table holds one row per stored record");
        Assert.Equal(await pipeline.CountAsync("SELECT count() FROM iot.rule_copy"),
            await pipeline.CountAsync("SELECT count() FROM (SELECT DISTINCT device_id, seq, ts FROM iot.rule_copy)"));
        Assert.Contains("restarting", pipeline.Up.Stdout + pipeline.Up.Stderr);
    }

    private static async Task AsMigratorAsync(RunningPipeline pipeline, string sql)
    {
        var migrator = pipeline.Home.ClickHouseUser(ClickHouseRole.Migrator);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, pipeline.ClickHouseUrl) { Content = new StringContent(sql, Encoding.UTF8) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{migrator.User}:{migrator.Password}")));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
