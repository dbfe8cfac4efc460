using System.Text.Json.Nodes;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// The rules engine's actions end to end on one `up`: rules added with `./pipeline rules`, mosquitto_pub as the
/// device, mosquitto_sub as a device receiving a republish, and
/// `./pipeline query` reading a clickhouse action's table. A rule reaches the processor a moment after the CLI
/// stored it, so each test first publishes "warm-up" readings (seq from 1000) until the rule's output shows, then
/// the readings it asserts on (seq below 1000).
/// </summary>
public sealed class RulesActionsTests(RulesActionsFixture pipeline) : IClassFixture<RulesActionsFixture>
{
    private static readonly TimeSpan RuleTakesEffect = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_republish_action_reaches_the_device_subscribed_with_mosquitto_sub()
    {
        // A sensor's hot reading switches a fan device on. Two devices: a device's mosquitto_pub and mosquitto_sub
        // share its client id, and the second connection would take the first's session over (reason 142).
        var sensor = await pipeline.AddDeviceAsync("fan-sensor");
        var fan = await pipeline.AddDeviceAsync("fan-dev");
        await pipeline.RulesOk("add", "fan-on", "--sql",
            "SELECT temperature, topic(2) AS sensor, 'on' AS fan FROM 'devices/fan-sensor/telemetry' WHERE temperature > 30",
            "--action", "republish:devices/fan-dev/commands", "--qos", "1");
        var topic = $"devices/{fan.Id}/commands";
        using var sub = await MosquittoDevice.SubscribeAsync(pipeline.MqttArgs(fan), topic);

        var warmUp = 1000;
        await Eventually.HoldsAsync(async () =>
            {
                await pipeline.PublishAsync(sensor, warmUp++, 99);
                return sub.Output;
            }, o => o.Contains($"{topic} {{"), RuleTakesEffect, "the rule's first command reaches mosquitto_sub");

        // Cold first: the sensor's readings stay in order, so once the hot one's command arrives, the cold one was evaluated.
        await pipeline.PublishAsync(sensor, 1, 21.5);
        await pipeline.PublishAsync(sensor, 2, 36.5);
        await sub.WaitForAsync(o => o.Contains("36.5"), "the hot reading's command reaches mosquitto_sub");

        var received = Received(sub.Output, topic).Select(p => JsonNode.Parse(p)!).Where(p => Temperature(p.ToJsonString()) != 99).ToList();
        Assert.Single(received);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"temperature":36.5,"sensor":"fan-sensor","fan":"on"}"""), received[0]),
            received[0].ToJsonString());
        Assert.Contains("received PUBLISH (d0, q1, r0", sub.Output);
    }

    [Fact]
    public async Task A_rule_updated_and_disabled_while_the_sensor_publishes_takes_effect_without_a_restart()
    {
        var sensor = await pipeline.AddDeviceAsync("live-sensor");
        var fan = await pipeline.AddDeviceAsync("live-fan");
        const string From = " FROM 'devices/live-sensor/telemetry' WHERE temperature > ";
        await pipeline.RulesOk("add", "live", "--sql", "SELECT temperature, seq, 1 AS v" + From + "30", "--action", "republish:devices/live-fan/commands");
        var topic = $"devices/{fan.Id}/commands";
        using var sub = await MosquittoDevice.SubscribeAsync(pipeline.MqttArgs(fan), topic);
        var seq = 1000;
        await Eventually.HoldsAsync(async () =>
            {
                await pipeline.PublishAsync(sensor, seq++, 40);
                return Commands(sub, topic);
            }, cs => cs.Any(c => V(c) == 1), RuleTakesEffect, "version 1's first command");

        // Version 2 raises the threshold to 50 (and says v 2): once its output shows, 40s stop and 60s go through.
        await pipeline.RulesOk("update", "live", "--sql", "SELECT temperature, seq, 2 AS v" + From + "50");
        await Eventually.HoldsAsync(async () =>
            {
                await pipeline.PublishAsync(sensor, seq++, 40);
                await pipeline.PublishAsync(sensor, seq++, 60);
                return Commands(sub, topic);
            }, cs => cs.Any(c => V(c) == 2), RuleTakesEffect, "version 2's first command");
        await pipeline.PublishAsync(sensor, 1, 45);
        await pipeline.PublishAsync(sensor, 2, 65);
        await sub.WaitForAsync(o => Commands(sub, topic).Any(c => Seq(c) == 2), "the 65 reading's command under version 2");
        var commands = Commands(sub, topic);
        Assert.DoesNotContain(commands, c => Seq(c) == 1);
        Assert.All(commands.Where(c => V(c) == 2), c => Assert.True(Temperature(c.ToJsonString()) > 50, c.ToJsonString()));

        // Disabled, the rule sends nothing. That has no output to wait for, so a sentinel rule whose iot.rules record
        // shares live's partition (the processor applies the two in the order they were made) is changed after it:
        // every reading the sentinel's new version answered was evaluated with live disabled.
        var sentinel = await pipeline.AddRuleOnSamePartitionAsync("live", "SELECT seq, 1 AS s FROM 'devices/live-sensor/telemetry'",
            "republish:devices/live-fan/commands");
        await pipeline.RulesOk("disable", "live");
        await pipeline.RulesOk("update", sentinel, "--sql", "SELECT seq, 2 AS s FROM 'devices/live-sensor/telemetry'");
        await Eventually.HoldsAsync(async () =>
            {
                await pipeline.PublishAsync(sensor, seq++, 70);
                return Commands(sub, topic);
            }, cs => cs.Any(c => c["s"]?.GetValue<int>() == 2), RuleTakesEffect, "the sentinel's version 2 command");
        await pipeline.PublishAsync(sensor, 3, 75);
        await sub.WaitForAsync(o => Commands(sub, topic).Any(c => Seq(c) == 3 && c["s"] is not null), "the sentinel answers the last reading");
        commands = Commands(sub, topic);
        var afterDisable = commands.Where(c => c["s"]?.GetValue<int>() == 2).Select(Seq).ToHashSet();
        Assert.Contains(3, afterDisable);
        Assert.DoesNotContain(commands, c => c["v"] is not null && afterDisable.Contains(Seq(c)));
    }

    private static List<JsonNode> Commands(MosquittoDevice sub, string topic) => Received(sub.Output, topic).Select(p => JsonNode.Parse(p)!).ToList();

    private static int V(JsonNode command) => command["v"]?.GetValue<int>() ?? 0;

    private static long Seq(JsonNode command) => command["seq"]!.GetValue<long>();

    [Fact]
    public async Task A_clickhouse_action_inserts_exactly_the_matching_rows_once_and_query_shows_them()
    {
        await pipeline.CreateTableAsMigratorAsync("""
            CREATE TABLE iot.hot_readings (device_id String, seq Int64, t Float64)
            ENGINE = MergeTree ORDER BY (device_id, seq)
            SETTINGS non_replicated_deduplication_window = 1000
            """);
        var device = await pipeline.AddDeviceAsync("ch-dev");
        await pipeline.RulesOk("add", "hot-rows", "--sql", "SELECT topic(2) AS device_id, seq, temperature AS t FROM 'devices/+/telemetry' WHERE temperature > 30",
            "--action", "clickhouse:iot.hot_readings");
        var warmUp = 1000;
        await Eventually.HoldsAsync(async () =>
            {
                await pipeline.PublishAsync(device, warmUp++, 99);
                return await UpTests.CountAsync(pipeline.Home, "SELECT count() FROM iot.hot_readings WHERE device_id = 'ch-dev'");
            }, n => n > 0, RuleTakesEffect, "the rule's first row in iot.hot_readings");

        double[] temperatures = [25, 31, 29, 40.5, 10, 33];
        for (var i = 0; i < temperatures.Length; i++)
            await pipeline.PublishAsync(device, i + 1, temperatures[i]);
        var rows = await Eventually.HoldsAsync(() => QueryCsvAsync("SELECT seq, t FROM iot.hot_readings WHERE device_id = 'ch-dev' AND seq < 1000 ORDER BY seq"),
            rs => rs.Contains("6,33"), TimeSpan.FromSeconds(60), "the last matching reading in iot.hot_readings");
        Assert.Equal(["2,31", "4,40.5", "6,33"], rows);
    }

    private async Task<List<string>> QueryCsvAsync(string sql)
    {
        await using var query = await CliProcess.RunAsync(pipeline.Home, "query", sql, "--format", "csv");
        return query.ExitCode == 0 ? query.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.TrimEnd('\r')).ToList() : [];
    }

    private static double Temperature(string? json) => JsonNode.Parse(json!)!["temperature"]!.GetValue<double>();

    /// <summary>The payloads mosquitto_sub -v printed for <paramref name="topic"/> ("topic payload" lines).</summary>
    private static IEnumerable<string> Received(string output, string topic) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith(topic + " {", StringComparison.Ordinal)).Select(l => l[(topic.Length + 1)..]);
}
