using Pipeline.TestSupport;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>Several sink instances sharing the partitions, and instances leaving the group.</summary>
public class ScaleOutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_instances_on_the_same_topics_write_every_row_once_also_when_one_drains_and_leaves()
    {
        const int records = 8_000, metrics = 2;
        await using var bed = new SinkTestBed();
        var a = await bed.StartSinkAsync(("SinkWriter:BatchMaxRows", "500"));
        var b = await bed.StartSinkAsync(("SinkWriter:BatchMaxRows", "500"));
        await Eventually.HoldsAsync(() => Assigned(a, b), both => both, Timeout, "both instances hold partitions");

        var producing = bed.ProduceTelemetryInChunksAsync(0, records, metrics, chunk: 500, pause: TimeSpan.FromMilliseconds(300));
        await Eventually.HoldsAsync(() => bed.CountAsync("telemetry"), c => c >= records * metrics / 3, Timeout, "a third of the rows are written");
        // SIGTERM: a drains (writes and commits what it holds) and leaves; b takes its partitions.
        Assert.Equal(0, await a.StopAsync(TimeSpan.FromSeconds(60)));
        await producing;

        await bed.WaitForCountAsync("telemetry", records * metrics, Timeout);
        await SinkTestBed.WaitForNoLagAsync(b, "telemetry", Timeout);
        Assert.Equal(records * metrics, await bed.CountAsync("telemetry"));
        Assert.Equal($"{records}", (await bed.QueryAsync("SELECT uniqExact(device_id, seq) FROM telemetry")).Trim());
        Assert.Contains("Revoked", a.Output);
        Assert.Contains("Stopped consuming", a.Output);
    }

    private static async Task<bool> Assigned(SinkProcess a, SinkProcess b)
    {
        // Each instance reports lag only for the partitions it holds.
        var lagA = SinkTestBed.LagOf(await a.GetAsync("/metrics"), "telemetry");
        var lagB = SinkTestBed.LagOf(await b.GetAsync("/metrics"), "telemetry");
        return lagA >= 0 && lagB >= 0;
    }
}
