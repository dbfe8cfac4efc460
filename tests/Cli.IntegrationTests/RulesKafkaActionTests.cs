using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// The kafka action end to end: mosquitto_pub as the device, kcat reading the action's topic as an application would,
/// and a rule aimed at a topic that does not exist refused per record while telemetry goes on.
/// </summary>
public sealed class RulesKafkaActionTests(RulesActionsFixture pipeline) : IClassFixture<RulesActionsFixture>
{
    private static readonly TimeSpan RuleTakesEffect = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_kafka_action_writes_the_matching_readings_as_json_keyed_by_device_and_kcat_reads_them()
    {
        var device = await pipeline.AddDeviceAsync("kafka-dev");
        await pipeline.RulesOk("add", "hot-to-kafka", "--sql",
            "SELECT temperature, seq, topic(2) AS device FROM 'devices/kafka-dev/telemetry' WHERE temperature > 30",
            "--action", $"kafka:{RulesActionsFixture.AlertsTopic}");

        var warmUp = 1000;
        await Eventually.HoldsAsync(async () =>
            {
                await pipeline.PublishAsync(device, warmUp++, 99);
                return await ReadAlertsAsync();
            }, lines => lines.Count > 0, RuleTakesEffect, "the rule's first record is in the kafka action's topic");

        await pipeline.PublishAsync(device, 1, 21.5);
        await pipeline.PublishAsync(device, 2, 36.5);
        var alerts = await Eventually.HoldsAsync(ReadAlertsAsync, lines => lines.Any(l => l.Contains("\"seq\":2", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the hot reading's record");

        // The topic is shared with the other tests of the class: only this device's records, without the warm-up's.
        var measured = alerts.Where(l => l.StartsWith("kafka-dev\t", StringComparison.Ordinal) && !l.Contains("\"temperature\":99", StringComparison.Ordinal)).ToList();
        Assert.Equal(["kafka-dev\t{\"temperature\":36.5,\"seq\":2,\"device\":\"kafka-dev\"}"], measured);
    }

    [Fact]
    public async Task A_kafka_action_to_a_missing_topic_is_refused_as_RULE_ACTION_FAILED_and_telemetry_goes_on()
    {
        var device = await pipeline.AddDeviceAsync("missing-dev");
        await pipeline.RulesOk("add", "to-nowhere", "--sql", "SELECT * FROM 'devices/missing-dev/telemetry'", "--action", "kafka:alerts.nowhere");

        var seq = 1;
        await Eventually.HoldsAsync(async () =>
            {
                await pipeline.PublishAsync(device, seq++, 20);
                return await UpTests.CountAsync(pipeline.Home,
                    "SELECT count() FROM iot.rejected WHERE device_id = 'missing-dev' AND reason = 'RULE_ACTION_FAILED'");
            }, n => n > 0, RuleTakesEffect, "the failed action is recorded in iot.rejected");

        // The processor kept running: the readings published after the refusals are stored.
        var last = seq;
        await pipeline.PublishAsync(device, last, 21);
        await Eventually.HoldsAsync(() => UpTests.CountAsync(pipeline.Home,
                $"SELECT count() FROM iot.telemetry WHERE device_id = 'missing-dev' AND seq = {last}"),
            n => n == 1, TimeSpan.FromSeconds(60), "telemetry after the refusal is stored");
        Assert.Equal(1, await UpTests.CountAsync(pipeline.Home,
            "SELECT toUInt8(count() > 0) FROM iot.rejected WHERE device_id = 'missing-dev' AND reason = 'RULE_ACTION_FAILED' AND position(detail, 'alerts.nowhere') > 0"));
    }

    [Fact]
    public async Task A_rule_on_shadow_updates_sees_the_reported_state_a_device_publishes_with_mosquitto_pub()
    {
        var device = await pipeline.AddDeviceAsync("shadow-rule-dev");
        await pipeline.RulesOk("add", "fan-reported", "--sql",
            "SELECT state.reported.fan AS fan, topic(2) AS device FROM 'devices/shadow-rule-dev/shadow/update' WHERE state.reported.fan >= 0",
            "--action", $"kafka:{RulesActionsFixture.AlertsTopic}");

        var fan = 100;
        await Eventually.HoldsAsync(async () =>
            {
                await ExternalTool.RunAsync("mosquitto_pub", [.. pipeline.MqttArgs(device), "-V", "mqttv5", "-q", "1",
                    "-t", "devices/shadow-rule-dev/shadow/update", "-m", "{\"state\":{\"reported\":{\"fan\":" + fan++ + "}}}"]);
                return await ReadAlertsAsync();
            }, lines => lines.Any(l => l.StartsWith("shadow-rule-dev\t", StringComparison.Ordinal)), RuleTakesEffect,
            "the shadow update's result is in the kafka action's topic");

        // Each result is the reported value of one update, as the rule selected it (the first updates may predate the rule).
        var results = (await ReadAlertsAsync()).Where(l => l.StartsWith("shadow-rule-dev\t", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(results);
        Assert.All(results, l => Assert.Matches("""^shadow-rule-dev\t\{"fan":1\d\d,"device":"shadow-rule-dev"\}$""", l));
    }

    private async Task<List<string>> ReadAlertsAsync()
    {
        var kafka = pipeline.Endpoints.GetProperty("kafka").GetString()!;
        var output = await ExternalTool.RunAsync("kcat", ["-C", "-b", kafka, "-t", RulesActionsFixture.AlertsTopic, "-e", "-q", "-f", "%k\t%s\n"]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
