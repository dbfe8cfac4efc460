using Google.Protobuf;
using Pipeline.Contracts;

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

    [Fact]
    public async Task Every_destination_table_gets_its_records_rows()
    {
        await using var bed = new SinkTestBed();
        await using var sink = await bed.StartSinkAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        for (var i = 0; i < 20; i++)
        {
            var device = $"dev-{i}";
            await bed.ProduceAsync(bed.Aggregates, device, new MetricAggregate
            {
                DeviceId = device, Metric = "temperature", WindowStartMs = now - 60_000, WindowEndMs = now, Count = 3, Min = 1, Max = 3, Sum = 6, Last = 3, LastTsMs = now,
            });
            await bed.ProduceAsync(bed.Events, device, new DeviceEvent
            {
                DeviceId = device, DeviceTsMs = now, ReceivedTsMs = now, BodyJson = $$"""{"type":"door","n":{{i}}}""", Source = "device",
            });
            await bed.ProduceAsync(bed.Rejected, device, new RejectedMessage
            {
                Reason = RejectedMessage.Types.Reason.RateLimited, Detail = "over 10 msg/s", DeviceId = device, Topic = $"devices/{device}/telemetry",
                Payload = ByteString.CopyFromUtf8("{}"), ReceivedTsMs = now, Stage = "bridge",
            });
            await bed.ProduceAsync(bed.Devices, device, new DeviceRecord { DeviceId = device, CreatedTsMs = now, UpdatedTsMs = now });
            await bed.ProduceAsync(bed.Shadows, device, new ShadowDocument
            {
                DeviceId = device, Version = 1, DocumentJson = """{"state":{"reported":{"on":true}}}""", Timestamp = now / 1000,
            });
        }
        await bed.ProduceRawAsync(bed.Devices, "dev-0", null); // a deletion from the compacted registry: no row, no rejection

        foreach (var table in new[] { "telemetry_1m", "events", "devices", "shadow_history" })
            await bed.WaitForCountAsync(table, 20, RowsTimeout);
        await bed.WaitForCountAsync("rejected", 20, RowsTimeout);
        await SinkTestBed.WaitForNoLagAsync(sink, "devices", RowsTimeout);
        Assert.Equal(20, await bed.CountAsync("devices"));
        Assert.Equal(0, await bed.CountAsync("rejected", "WHERE stage = 'sink-writer'"));
        Assert.Equal(20, await bed.CountAsync("events", "WHERE type = 'door'"));
        Assert.Contains("sink_tombstones_total{table=\"devices\"} 1", await sink.GetAsync("/metrics"));
    }
}
