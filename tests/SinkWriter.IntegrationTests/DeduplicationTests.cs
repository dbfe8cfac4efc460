using ClickHouse.Driver;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Contracts;
using Pipeline.SinkWriter.Mapping;
using Pipeline.SinkWriter.Observability;
using Pipeline.SinkWriter.Storage;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>The sink's inserter against ClickHouse: what a retried or replayed batch does to the table.</summary>
public class DeduplicationTests
{
    private static async Task<(BatchInserter Inserter, SinkTestBed Bed, ClickHouseClient Client)> InserterAsync()
    {
        var bed = new SinkTestBed();
        await bed.MigrateAsync();
        var client = new ClickHouseClient(ClickHouseFixture.Shared.ConnectionString(bed.Database));
        var mapping = new TelemetryMapping();
        var options = new SinkWriterOptions();
        var retry = new InsertRetry(mapping.Table, options, new WriterState(), new SinkMetrics(new Prometheus.CollectorRegistry()), NullLogger.Instance);
        return (new BatchInserter(client, mapping.Table, mapping.Columns, retry), bed, client);
    }

    private static List<object[]> Rows(int records)
    {
        var rows = new List<object[]>();
        for (var i = 0; i < records; i++)
            new TelemetryMapping().AppendRows(SinkTestBed.TelemetryRecordNo(i, 2), rows);
        return rows;
    }

    [Fact]
    public async Task A_replayed_batch_adds_nothing_and_a_new_range_is_stored()
    {
        var (inserter, bed, client) = await InserterAsync();
        await using var _ = bed;
        using var __ = client;

        Assert.Empty(await inserter.InsertAsync(Rows(100), "t:0:0-99", CancellationToken.None));
        Assert.Empty(await inserter.InsertAsync(Rows(100), "t:0:0-99", CancellationToken.None));
        Assert.Equal(200, await bed.CountAsync("telemetry"));

        Assert.Empty(await inserter.InsertAsync(Rows(100), "t:0:100-199", CancellationToken.None));
        Assert.Equal(400, await bed.CountAsync("telemetry"));
    }
}
