using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.Contracts;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>ClickHouse away, records that cannot be read, rows ClickHouse refuses.</summary>
public class FailureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ClickHouse_unreachable_for_20_seconds_while_records_flow_loses_and_duplicates_nothing()
    {
        const int records = 6_000, metrics = 3;
        var endpoint = ClickHouseFixture.Shared.Endpoint
            ?? throw new InvalidOperationException("This test stops the embedded ClickHouse endpoint; it cannot stop a real server.");
        await using var bed = new SinkTestBed();
        var sink = await bed.StartSinkAsync();
        await bed.ProduceTelemetryAsync(0, 1_000, metrics);
        await bed.WaitForCountAsync("telemetry", 1_000 * metrics, Timeout);

        var producing = bed.ProduceTelemetryInChunksAsync(1_000, records - 1_000, metrics, chunk: 250, pause: TimeSpan.FromMilliseconds(500));
        await endpoint.StopAsync();
        try
        {
            // What an operator sees meanwhile: /healthz says degraded and why.
            await Eventually.HoldsAsync(() => sink.GetAsync("/healthz"), h => h.Contains("Degraded"), Timeout, "the sink reports itself degraded");
            await Eventually.HoldsAsync(() => sink.GetAsync("/metrics"), m => m.Contains("sink_paused{table=\"telemetry\"} 1"), Timeout, "the sink pauses its partitions");
            await Task.Delay(TimeSpan.FromSeconds(20)); // the outage itself, not a wait for anything
        }
        finally
        {
            await endpoint.StartAsync();
        }
        await producing;

        await bed.WaitForCountAsync("telemetry", records * metrics, Timeout);
        await SinkTestBed.WaitForNoLagAsync(sink, "telemetry", Timeout);
        Assert.Equal(records * metrics, await bed.CountAsync("telemetry"));
        Assert.Equal($"{records}", (await bed.QueryAsync("SELECT uniqExact(device_id, seq) FROM telemetry")).Trim());
        await Eventually.HoldsAsync(() => sink.GetAsync("/healthz"), h => h.Contains("Healthy"), Timeout, "the sink is healthy again");
        Assert.Contains("sink_insert_retries_total{table=\"telemetry\",kind=\"transient\"}", await sink.GetAsync("/metrics"));
    }

    [Fact]
    public async Task A_poison_record_and_a_row_ClickHouse_refuses_both_end_in_iot_rejected_and_every_other_row_is_written()
    {
        await using var bed = new SinkTestBed();
        await bed.MigrateAsync();
        // A constraint the pipeline's own checks do not enforce, so that ClickHouse alone refuses the row.
        await bed.QueryAsync("ALTER TABLE telemetry ADD CONSTRAINT finite_value CHECK isFinite(value)");
        var sink = await bed.StartSinkAsync();

        await bed.ProduceTelemetryAsync(0, 100, metrics: 2);
        var poison = new byte[] { 0x7B, 0x22, 0x6E, 0x6F, 0x74, 0x22, 0x3A, 0x22, 0x70, 0x72, 0x6F, 0x74, 0x6F, 0x22, 0x7D }; // {"not":"proto"}
        await bed.ProduceRawAsync(bed.Telemetry, "dev-poison", poison);
        var refused = SinkTestBed.TelemetryRecordNo(100, 0);
        refused.Record.DeviceId = "dev-nan";
        refused.Record.Metrics.Add("ok", 1.0);
        refused.Record.Metrics.Add("broken", double.NaN);
        await bed.ProduceAsync(bed.Telemetry, "dev-nan", refused);
        await bed.ProduceTelemetryAsync(101, 100, metrics: 2);

        await bed.WaitForCountAsync("rejected", 2, Timeout);
        await bed.WaitForCountAsync("telemetry", 200 * 2 + 1, Timeout);
        await SinkTestBed.WaitForNoLagAsync(sink, "telemetry", Timeout);
        Assert.Equal(401, await bed.CountAsync("telemetry"));
        Assert.Equal(0, await bed.CountAsync("telemetry", "WHERE device_id = 'dev-nan' AND metric = 'broken'"));
        Assert.Equal(1, await bed.CountAsync("telemetry", "WHERE device_id = 'dev-nan' AND metric = 'ok'"));

        var rows = (await bed.QueryAsync("SELECT reason, device_id, topic, stage, length(payload), detail FROM rejected ORDER BY reason FORMAT TSV"))
            .Trim().Split('\n').Select(l => l.Split('\t')).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["STORAGE_REFUSED", "dev-nan", bed.Telemetry, "sink-writer", (await bed.FrameAsync(bed.Telemetry, refused)).Length.ToString()], rows[0][..5]);
        Assert.Contains("finite_value", rows[0][5]);
        Assert.Equal(["UNDESERIALIZABLE", "dev-poison", bed.Telemetry, "sink-writer", poison.Length.ToString()], rows[1][..5]);
        Assert.Contains("magic byte", rows[1][5]);
    }

    [Fact]
    public async Task Against_a_database_migrated_by_a_newer_release_the_sink_refuses_to_start_and_says_why()
    {
        await using var bed = new SinkTestBed();
        await bed.MigrateAsync();
        await bed.QueryAsync("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'from_the_future', 'x', now64(3))");

        await using var sink = SinkProcess.Start(bed.Settings());
        var exitCode = await sink.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(78, exitCode);
        Assert.Contains("Refusing to start", sink.Output);
        Assert.Contains("schema version 999", sink.Output);
    }

    [Fact]
    public async Task With_a_wrong_clickhouse_password_the_sink_stops_at_once_naming_the_setting_and_never_logs_the_password()
    {
        await using var bed = new SinkTestBed();
        await bed.MigrateAsync();
        var sink = ClickHouseFixture.Shared.User(ClickHouseRole.Sink);
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");

        await using var process = SinkProcess.Start(bed.Settings(
            ("ClickHouse:User", sink.User), ("ClickHouse:Password", wrong), ("SinkWriter:MigrateOnStart", "false")));
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(78, exitCode);
        Assert.Contains("Refusing to start", process.Output);
        Assert.Contains("ClickHouse:Password", process.Output);
        Assert.Contains("AUTHENTICATION_FAILED", process.Output);
        Assert.DoesNotContain("retrying", process.Output);
        Assert.DoesNotContain(wrong, process.Output);
    }

    [Fact]
    public async Task The_sink_user_inserts_without_ddl_rights_once_the_migrator_applied_the_schema()
    {
        await using var bed = new SinkTestBed();
        await bed.MigrateAsync();
        var sink = ClickHouseFixture.Shared.User(ClickHouseRole.Sink);

        await using var process = await bed.StartSinkAsync(
            ("ClickHouse:User", sink.User), ("ClickHouse:Password", sink.Password), ("SinkWriter:MigrateOnStart", "false"));
        await bed.ProduceTelemetryAsync(0, 100, 2);

        await bed.WaitForCountAsync("telemetry", 200, Timeout);
    }

    [Fact]
    public async Task A_sink_user_without_ddl_rights_asked_to_migrate_stops_and_says_to_run_the_migrator()
    {
        await using var bed = new SinkTestBed();
        var sink = ClickHouseFixture.Shared.User(ClickHouseRole.Sink);

        await using var process = SinkProcess.Start(bed.Settings(("ClickHouse:User", sink.User), ("ClickHouse:Password", sink.Password)));
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(78, exitCode);
        Assert.Contains("may not change the schema", process.Output);
        Assert.Contains("SinkWriter:MigrateOnStart", process.Output);
    }
}
