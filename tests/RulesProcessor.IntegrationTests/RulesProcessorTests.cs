using System.Net;
using Pipeline.Contracts;
using Pipeline.TestSupport;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>The service on the embedded stack, every built-in module enabled, exactly-once (the default).</summary>
public sealed class RulesProcessorTests
{
    [Fact]
    public async Task Raw_records_come_out_enriched_deduplicated_and_aggregated_with_the_right_numbers()
    {
        await using var stack = new RulesStack("e2e");
        await stack.RegisterAsync("dev-a", ("site", "north"));
        await stack.RegisterAsync("dev-b", ("site", "south"));
        await stack.StartAsync();
        var t0 = RecentMinute();

        await stack.SendAsync(Of("dev-a", t0 + 1_000, 1, ("temperature", 20), ("humidity", 50)));
        await stack.SendAsync(Of("dev-a", t0 + 1_000, 1, ("temperature", 20), ("humidity", 50)));   // QoS 1 resend
        await stack.SendAsync(Of("dev-a", t0 + 20_000, 2, ("temperature", 24)));
        await stack.SendAsync(Of("dev-b", t0 + 5_000, 1, ("temperature", 10)));
        await stack.SendAsync(Of("dev-a", t0 + 40_000, 3, ("temperature", 22), ("humidity", 54)));
        await stack.SendAsync(Of("dev-a", t0 + 41_000, 4, ("temperature", double.PositiveInfinity)));
        await stack.SendAsync(Of("ghost", t0 + 41_000, 1, ("temperature", 1)));
        // Registered a moment ago: iot.devices does not have it here at all, the bridge's copy in the record does.
        var fresh = Of("dev-new", t0 + 42_000, 1, ("temperature", 5));
        fresh.AcceptedUnderRegistryTsMs = t0;
        fresh.AcceptedUnder = new TelemetryRecord.Types.RegistrySnapshot { Attributes = { ["site"] = "east" } };
        await stack.SendAsync(fresh);
        await stack.ProduceAsync(stack.Topics.TelemetryRaw, "dev-a", [1, 2, 3]);
        await stack.SendAsync(Of("dev-a", t0 + 90_000, 5, ("temperature", 30)));                  // closes dev-a's minute
        await stack.SendAsync(Of("dev-b", t0 + 95_000, 2, ("temperature", 11)));                  // closes dev-b's minute

        var aggregates = await stack.ReadUntilAsync<MetricAggregate>(stack.Topics.TelemetryAgg1m, a => a.Count >= 3, "3 aggregates of the first minute");
        var enriched = await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count >= 7, "7 enriched records");
        var rejected = await stack.ReadUntilAsync<RejectedMessage>(stack.Topics.Rejected, r => r.Count >= 3, "3 rejections");

        Assert.Equal(
            ["dev-a/1", "dev-a/2", "dev-a/3", "dev-a/5", "dev-b/1", "dev-b/2", "dev-new/1"],
            enriched.Select(e => $"{e.Record.DeviceId}/{e.Record.Seq}").Order(StringComparer.Ordinal));
        Assert.All(enriched, e => Assert.Equal(e.Record.DeviceId switch { "dev-a" => "north", "dev-b" => "south", _ => "east" }, e.Attributes["site"]));
        var aTemperature = aggregates.Single(a => a.DeviceId == "dev-a" && a.Metric == "temperature");
        Assert.Equal((t0, t0 + 60_000, 3UL, 20.0, 24.0, 66.0, 22.0), (aTemperature.WindowStartMs, aTemperature.WindowEndMs,
            aTemperature.Count, aTemperature.Min, aTemperature.Max, aTemperature.Sum, aTemperature.Last));
        var aHumidity = aggregates.Single(a => a.DeviceId == "dev-a" && a.Metric == "humidity");
        Assert.Equal((2UL, 50.0, 54.0, 104.0), (aHumidity.Count, aHumidity.Min, aHumidity.Max, aHumidity.Sum));
        var bTemperature = aggregates.Single(a => a.DeviceId == "dev-b");
        Assert.Equal((1UL, 10.0), (bTemperature.Count, bTemperature.Sum));
        Assert.Equal([Reason.NonFiniteValue, Reason.UnknownDevice, Reason.Undeserializable], rejected.Select(r => r.Reason).Order());
        Assert.All(rejected, r => Assert.Equal("rules-processor", r.Stage));
    }

    [Fact]
    public async Task A_devices_output_stays_on_the_partition_its_raw_records_came_in_on()
    {
        await using var stack = new RulesStack("placement");
        var devices = Enumerable.Range(1, 12).Select(i => $"dev-{i:00}").ToList();
        foreach (var device in devices)
            await stack.RegisterAsync(device);
        await stack.StartAsync();
        var t0 = RecentMinute();

        foreach (var device in devices)
            for (var seq = 1UL; seq <= 3; seq++)
                await stack.SendAsync(Of(device, t0 + (long)seq * 1_000, seq, ("temperature", 20)));

        // The test's producer partitions by key with librdkafka's default, as the bridge does.
        var raw = (await stack.ReadPlacementsAsync(stack.Topics.TelemetryRaw, 36)).ToHashSet();
        var enriched = await stack.ReadPlacementsAsync(stack.Topics.TelemetryEnriched, 36);
        Assert.True(raw.Select(r => r.Partition).Distinct().Count() > 1, "the devices should spread over both partitions");
        Assert.All(enriched, e => Assert.Contains(e, raw));
        Assert.Equal(devices, enriched.Select(e => e.Key).Distinct().Order());
    }

    [Fact]
    public async Task Healthz_reports_the_stream_running_and_metrics_count_records_per_module()
    {
        await using var stack = new RulesStack("ops");
        await stack.RegisterAsync("dev-h");
        await stack.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(stack.HttpUrl) };

        await Eventually.HoldsAsync(async () => (await http.GetAsync("/healthz")).StatusCode, s => s == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "/healthz answers 200 once the stream is RUNNING");
        await stack.SendAsync(Of("dev-h", RecentMinute(), 1, ("temperature", 1)));
        await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count == 1, "the record enriched");

        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("rules_records_in_total{module=\"dedupe\"}", metrics);
        Assert.Contains("rules_end_to_end_lag_seconds_count{output=", metrics);
        Assert.Contains("\"status\":\"Healthy\"", await http.GetStringAsync("/healthz"));
    }
}
