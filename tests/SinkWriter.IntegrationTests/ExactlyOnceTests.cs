namespace Pipeline.SinkWriter.IntegrationTests;

public class ExactlyOnceTests
{
    private static readonly TimeSpan RowsTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task N_records_become_exactly_their_metric_values_as_rows()
    {
        await using var bed = new SinkTestBed();
        await using var sink = await bed.StartSinkAsync();

        await bed.ProduceTelemetryAsync(0, 3_000, metrics: 3);

        await bed.WaitForCountAsync("telemetry", 9_000, RowsTimeout);
        Assert.Equal(9_000, await bed.CountAsync("telemetry", "WHERE metric IN ('m0','m1','m2')"));
        Assert.Equal("3000", (await bed.QueryAsync("SELECT uniqExact(device_id, seq) FROM telemetry")).Trim());
        var metrics = await sink.GetAsync("/metrics");
        Assert.Contains("sink_rows_written_total{table=\"telemetry\"} 9000", metrics);
    }
}
