using System.Text;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>iot.rule.rows -> the operator's tables: rules' clickhouse actions, inserted per table, refusals to iot.rejected.</summary>
public sealed class RuleRowsTests
{
    private static readonly TimeSpan RowsTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Rows_land_in_the_table_the_rule_names_and_a_refused_row_is_rejected_as_RULE_ACTION_FAILED_naming_the_rule()
    {
        await using var bed = new SinkTestBed();
        await bed.MigrateAsync();
        await ClickHouseFixture.Shared.ExecuteAsync(
            $"CREATE TABLE {bed.Database}.hot (device_id String, t Float64) ENGINE = MergeTree ORDER BY device_id "
            + "SETTINGS non_replicated_deduplication_window = 1000");
        await using var sink = await bed.StartSinkAsync();

        await bed.ProduceRawAsync(bed.RuleRows, "dev-1", Envelope($"{bed.Database}.hot", """{"device_id":"dev-1","t":35.5}"""));
        await bed.ProduceRawAsync(bed.RuleRows, "dev-1", Envelope($"{bed.Database}.hot", """{"device_id":"dev-1","t":"not a number"}"""));
        await bed.ProduceRawAsync(bed.RuleRows, "dev-1", Envelope($"{bed.Database}.no_such_table", """{"device_id":"dev-1","t":1}"""));
        await bed.ProduceRawAsync(bed.RuleRows, "dev-2", Envelope($"{bed.Database}.hot", """{"device_id":"dev-2","t":40}"""));

        await bed.WaitForCountAsync("hot", 2, RowsTimeout);
        await bed.WaitForCountAsync("rejected", 2, RowsTimeout);
        await SinkTestBed.WaitForNoLagAsync(sink, "rule_rows", RowsTimeout);
        Assert.Equal(["dev-1\t35.5", "dev-2\t40"], (await bed.QueryAsync("SELECT device_id, t FROM hot ORDER BY device_id")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // TSV output: the detail's quotes come escaped.
        var rejected = (await bed.QueryAsync("SELECT reason, detail FROM rejected ORDER BY detail")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(rejected, r => Assert.StartsWith("RULE_ACTION_FAILED\trule \\'hot-store\\', action 1 clickhouse:", r));
        Assert.Contains(rejected, r => r.Contains("no_such_table", StringComparison.Ordinal));
    }

    private static byte[] Envelope(string table, string row) =>
        Encoding.UTF8.GetBytes($$"""{"rule":"hot-store","version":1,"action":1,"deviceId":"dev-1","table":"{{table}}","row":{{row}}}""");
}
