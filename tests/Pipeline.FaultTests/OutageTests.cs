using Pipeline.TestSupport;

namespace Pipeline.FaultTests;

/// <summary>
/// Kafka or ClickHouse taken away under `up` (the embedded stack's fault control) while devices publish
/// QoS 1 and resend what was not acknowledged: every acknowledged (device, seq) is stored exactly once,
/// and the pipeline recovers by itself when the server returns.
/// </summary>
public sealed class OutageTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    [Fact]
    public Task Acknowledged_values_land_once_when_every_Kafka_broker_is_down_for_20_seconds() =>
        SurviveAsync("kafka", "/kafka/down", "/kafka/up", async (pipeline, fleet, outage, spare) =>
        {
            // The outage is real: with no broker, nothing is acknowledged (PUBACK waits for Kafka's acks=all). What is
            // checked is an absence over the outage's window, so the count is read once in-flight acks have settled.
            await Task.Delay(SettleTime);
            var before = fleet.Acknowledged;
            // A device publishing over HTTPS is told so (503 and the reason) instead of waiting on a request.
            await Eventually.HoldsAsync(() => pipeline.HttpPublishAsync(spare, """{"seq":1,"t":1}"""),
                r => r.Status == 503 && r.Body.Contains("not ready", StringComparison.Ordinal), Outage / 2, "HTTP publish refused with 503 while Kafka is away");
            await outage;
            Assert.Equal(before, fleet.Acknowledged);
        }, afterOutage: (pipeline, spare) =>
            Eventually.HoldsAsync(() => pipeline.HttpPublishAsync(spare, """{"seq":2,"t":2}"""),
                r => r.Status == 200, TimeSpan.FromSeconds(60), "HTTP publish accepted again after the outage"));

    [Fact]
    public Task Acknowledged_values_land_once_when_ClickHouse_is_unreachable_for_20_seconds() =>
        SurviveAsync("clickhouse", "/clickhouse/down", "/clickhouse/up", (pipeline, _, _, _) =>
            // The outage is real: ClickHouse does not answer a query while it lasts.
            Eventually.HoldsAsync(() => pipeline.CountAsync("SELECT 1"), n => n == -1, SettleTime, "ClickHouse stops answering"));

    [Fact]
    public async Task Acknowledged_values_land_once_when_produce_and_fetch_requests_fail()
    {
        await using var pipeline = await RunningPipeline.StartAsync(ResendingFleet.UnthrottledSettings);
        var fleet = await ResendingFleet.StartAsync(pipeline, "errors", devices: 3);
        await fleet.WaitForMoreAcknowledgedAsync(200, TimeSpan.FromSeconds(60), "devices publish before the fault");

        // Retriable errors every client must ride out: a broker that times out, a leader that moved.
        await pipeline.FaultAsync("/kafka/errors/produce?error=RequestTimedOut&count=30");
        await pipeline.FaultAsync("/kafka/errors/fetch?error=NotLeaderForPartition&count=30");
        await pipeline.FaultAsync("/kafka/errors/produce?error=NotLeaderForPartition&count=30");
        await fleet.WaitForMoreAcknowledgedAsync(500, TimeSpan.FromSeconds(120), "devices are acknowledged through the errors");
        await fleet.StopAsync();

        await fleet.AssertStoredExactlyOnceAsync(pipeline, TimeSpan.FromSeconds(120));
    }

    /// <summary>How long after the fault call the fault is surely in force (in-flight requests settled).</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(3);

    private static async Task SurviveAsync(string prefix, string down, string up, Func<RunningPipeline, ResendingFleet, Task, HttpDevice, Task> duringOutage,
        Func<RunningPipeline, HttpDevice, Task>? afterOutage = null)
    {
        await using var pipeline = await RunningPipeline.StartAsync(ResendingFleet.UnthrottledSettings);
        var fleet = await ResendingFleet.StartAsync(pipeline, prefix, devices: 3);
        var spare = new HttpDevice($"{prefix}-http", await pipeline.AddDeviceAsync($"{prefix}-http"));
        await fleet.WaitForMoreAcknowledgedAsync(200, TimeSpan.FromSeconds(60), "devices publish before the fault");

        await pipeline.FaultAsync(down);
        var outage = Task.Delay(Outage); // the outage itself, not a wait for anything
        try
        {
            await duringOutage(pipeline, fleet, outage, spare);
            await outage;
        }
        finally
        {
            await pipeline.FaultAsync(up);
        }
        if (afterOutage is not null)
            await afterOutage(pipeline, spare);
        await fleet.WaitForMoreAcknowledgedAsync(200, TimeSpan.FromSeconds(120), "devices are acknowledged again after the outage");
        await fleet.StopAsync();

        await fleet.AssertStoredExactlyOnceAsync(pipeline, TimeSpan.FromSeconds(120));
    }
}
