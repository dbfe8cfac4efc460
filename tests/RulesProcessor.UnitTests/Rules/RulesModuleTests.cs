using System.Text;
using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Modules.Rules;
using Pipeline.RulesSql.Definitions;
using Pipeline.RulesProcessor.Replay;
using static Pipeline.RulesProcessor.UnitTests.Readings;
using static Pipeline.RulesProcessor.UnitTests.Rules.RulesHarness;

namespace Pipeline.RulesProcessor.UnitTests.Rules;

public sealed class RulesModuleTests
{
    private static readonly RuleDefinition Hot = Rule("hot",
        "SELECT temperature AS t, topic(2) AS device, attribute('site') AS site FROM 'devices/+/telemetry' WHERE temperature > 30",
        "kafka:alerts.hot");

    [Fact]
    public void A_matching_rule_writes_its_result_to_the_kafka_topic_keyed_by_device_with_the_rule_and_source_headers()
    {
        using var h = new RulesHarness(Hot);
        h.Topology.Register("dev-1", attributes: ("site", "plant-7"));

        h.Topology.Send(Of("dev-1", T0, 4, ("temperature", 35)));

        var output = Assert.Single(h.Topology.Json("alerts.hot").ReadKeyValueList());
        Assert.Equal("dev-1", output.Message.Key);
        Assert.Equal("""{"t":35,"device":"dev-1","site":"plant-7"}""", output.Message.Value);
        Assert.True(output.Message.Headers.TryGetLastBytes("iot-rule", out var rule));
        Assert.Equal("hot:1", Encoding.UTF8.GetString(rule));
        Assert.True(SourcePosition.TryRead(output.Message.Headers, out var partition, out var offset));
        Assert.Equal((0, 0L), (partition, offset));
        // The telemetry chain goes on unchanged, without the rule's header.
        var enriched = Assert.Single(h.Topology.Enriched.ReadKeyValueList());
        Assert.Equal(35, enriched.Message.Value.Record.Metrics["temperature"]);
        Assert.False(enriched.Message.Headers.TryGetLastBytes("iot-rule", out _));
        Assert.Equal(1, h.Metrics.MatchedCount("hot"));
        Assert.Equal(1, h.Metrics.ActionCount("hot", "kafka", RuleMetrics.Succeeded));
    }

    [Fact]
    public void A_record_on_another_topic_or_failing_the_where_makes_nothing()
    {
        using var h = new RulesHarness(Hot, Rule("events-only", "SELECT * FROM 'devices/+/events'", "kafka:all.events"));
        h.Topology.Register("dev-1");

        h.Topology.Send(Of("dev-1", T0, 1, ("temperature", 20)));

        Assert.Empty(h.Topology.Json("alerts.hot").ReadKeyValueList());
        Assert.Empty(h.Topology.Json("all.events").ReadKeyValueList());
        Assert.Single(h.Topology.Enriched.ReadKeyValueList());
        Assert.Equal(0, h.Metrics.MatchedCount("hot"));
    }

    [Fact]
    public void The_message_holds_ts_seq_and_every_metric_by_name()
    {
        using var h = new RulesHarness(Rule("all", "SELECT * FROM 'devices/+/telemetry'", "kafka:copy"));
        h.Topology.Register("dev-1");

        h.Topology.Send(Of("dev-1", T0, 9, ("temperature", 21.5), ("humidity", 40)));

        var value = Assert.Single(h.Topology.Json("copy").ReadValueList());
        Assert.Equal($$"""{"ts":{{T0}},"seq":9,"temperature":21.5,"humidity":40}""", value);
    }

    [Fact]
    public void Republish_makes_a_command_for_the_device_whose_id_a_replay_makes_again()
    {
        var fan = Rule("fan", "SELECT 'on' AS fan FROM 'devices/+/telemetry' WHERE temperature > 30", "republish:devices/${topic(2)}/commands");
        string FirstCommandId()
        {
            using var h = new RulesHarness(fan);
            h.Topology.Register("dev-1");
            h.Topology.Send(Of("dev-1", T0, 1, ("temperature", 31)).ReceivedAt(T0 + 5));
            var command = Assert.Single(h.Topology.Commands.ReadKeyValueList());
            Assert.Equal("dev-1", command.Message.Key);
            Assert.Equal("dev-1", command.Message.Value.DeviceId);
            Assert.Equal("""{"fan":"on"}""", command.Message.Value.Payload.ToStringUtf8());
            Assert.Equal("application/json", command.Message.Value.ContentType);
            Assert.Equal(T0 + 5 + 600_000, command.Message.Value.ExpiresTsMs);
            Assert.Equal(1, command.Message.Value.Qos); // the action's QoS (default 1), honoured by the bridge
            return command.Message.Value.CommandId;
        }

        Assert.Equal(FirstCommandId(), FirstCommandId());
    }

    [Fact]
    public void A_rendered_target_the_action_cannot_use_goes_to_iot_rejected_as_RULE_ACTION_FAILED()
    {
        using var h = new RulesHarness(Rule("bad", "SELECT temperature FROM 'devices/+/telemetry'", "republish:devices/${missing}/commands"));
        h.Topology.Register("dev-1");

        h.Topology.Send(Of("dev-1", T0, 1, ("temperature", 31)));

        Assert.Empty(h.Topology.Commands.ReadKeyValueList());
        var rejected = Assert.Single(h.Topology.Rejected.ReadValueList());
        Assert.Equal(RejectedMessage.Types.Reason.RuleActionFailed, rejected.Reason);
        Assert.Contains("rule 'bad'", rejected.Detail);
        Assert.Contains("devices//commands", rejected.Detail);
        Assert.Equal("dev-1", rejected.DeviceId);
        Assert.Equal("""{"temperature":31}""", rejected.Payload.ToStringUtf8());
        Assert.Equal(1, h.Metrics.ActionCount("bad", "republish", RuleMetrics.Failed));
        Assert.Single(h.Topology.Enriched.ReadKeyValueList());
    }

    [Fact]
    public void A_failed_action_goes_to_the_error_action_with_the_rule_the_action_and_the_error()
    {
        var rule = Rule("bad", "SELECT temperature FROM 'devices/+/telemetry'", "kafka:ok.out", "kafka:${missing}") with
        {
            ErrorAction = RuleActionParser.Parse("kafka:rule.errors"),
        };
        using var h = new RulesHarness(rule);
        h.Topology.Register("dev-1");

        h.Topology.Send(Of("dev-1", T0, 1, ("temperature", 31)));

        Assert.Single(h.Topology.Json("ok.out").ReadValueList());
        using var error = JsonDocument.Parse(Assert.Single(h.Topology.Json("rule.errors").ReadValueList()));
        Assert.Equal("bad", error.RootElement.GetProperty("ruleName").GetString());
        Assert.Equal("action 2 kafka:${missing}", error.RootElement.GetProperty("failedAction").GetString());
        Assert.Contains("is not a Kafka topic", error.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(31, error.RootElement.GetProperty("payload").GetProperty("temperature").GetInt32());
        Assert.Empty(h.Topology.Rejected.ReadValueList());
    }

    [Fact]
    public void A_rule_changed_disabled_or_deleted_between_records_applies_from_the_next_record()
    {
        using var h = new RulesHarness(Hot);
        h.Topology.Register("dev-1");
        var output = h.Topology.Json("alerts.hot");

        h.Topology.Send(Of("dev-1", T0, 1, ("temperature", 35)));
        h.Book.Put(Hot with { Sql = "SELECT temperature AS t FROM 'devices/+/telemetry' WHERE temperature > 40", Version = 2 });
        h.Topology.Send(Of("dev-1", T0 + 1, 2, ("temperature", 35)));
        h.Topology.Send(Of("dev-1", T0 + 2, 3, ("temperature", 45)));
        h.Book.Put(Hot with { Enabled = false, Version = 3 });
        h.Topology.Send(Of("dev-1", T0 + 3, 4, ("temperature", 45)));
        h.Book.Put(Hot with { Version = 4 });
        h.Topology.Send(Of("dev-1", T0 + 4, 5, ("temperature", 46)));
        h.Book.Delete("hot");
        h.Topology.Send(Of("dev-1", T0 + 5, 6, ("temperature", 47)));

        var records = output.ReadKeyValueList().ToList();
        Assert.Equal(["""{"t":35,"device":"dev-1"}""", """{"t":45}""", """{"t":46,"device":"dev-1"}"""], records.Select(r => r.Message.Value));
        Assert.Equal(["hot:1", "hot:2", "hot:4"], records.Select(r => r.Message.Headers.TryGetLastBytes("iot-rule", out var v) ? Encoding.UTF8.GetString(v) : ""));
        Assert.Equal(6, h.Topology.Enriched.ReadKeyValueList().Count());
    }

    [Fact]
    public void A_device_topic_seen_before_a_rule_moved_its_FROM_away_and_back_is_matched_again()
    {
        using var h = new RulesHarness(Hot);
        h.Topology.Register("dev-1");
        var output = h.Topology.Json("alerts.hot");

        h.Topology.Send(Of("dev-1", T0, 1, ("temperature", 35)));
        h.Book.Put(Hot with { Sql = "SELECT temperature AS t FROM 'devices/+/events'", Version = 2 });
        h.Topology.Send(Of("dev-1", T0 + 1, 2, ("temperature", 36)));
        h.Book.Put(Hot with { Sql = "SELECT temperature AS t FROM 'devices/dev-1/telemetry'", Version = 3 });
        h.Topology.Send(Of("dev-1", T0 + 2, 3, ("temperature", 37)));

        var records = output.ReadKeyValueList().ToList();
        Assert.Equal(["""{"t":35,"device":"dev-1"}""", """{"t":37}"""], records.Select(r => r.Message.Value));
        Assert.Equal(["hot:1", "hot:3"], records.Select(r => r.Message.Headers.TryGetLastBytes("iot-rule", out var v) ? Encoding.UTF8.GetString(v) : ""));
    }

    [Fact]
    public void Clickhouse_and_http_actions_hand_an_envelope_to_their_topics()
    {
        using var h = new RulesHarness(Rule("store", "SELECT temperature FROM 'devices/+/telemetry'",
            "clickhouse:iot.hot_readings", "http:https://hooks.example.com/in/${topic(2)}"));
        h.Topology.Register("dev-1");

        h.Topology.Send(Of("dev-1", T0, 1, ("temperature", 31)));

        using var row = JsonDocument.Parse(Assert.Single(h.Topology.Json("iot.rule.rows").ReadValueList()));
        Assert.Equal("iot.hot_readings", row.RootElement.GetProperty("table").GetString());
        Assert.Equal("store", row.RootElement.GetProperty("rule").GetString());
        Assert.Equal(31, row.RootElement.GetProperty("row").GetProperty("temperature").GetInt32());
        var request = Assert.Single(h.Topology.Json("iot.rule.http").ReadKeyValueList());
        using var http = JsonDocument.Parse(request.Message.Value);
        Assert.Equal("https://hooks.example.com/in/dev-1", http.RootElement.GetProperty("url").GetString());
        Assert.Equal(2, http.RootElement.GetProperty("action").GetInt32());
        Assert.True(Guid.TryParse(http.RootElement.GetProperty("idempotencyKey").GetString(), out _));
        Assert.Equal(31, http.RootElement.GetProperty("body").GetProperty("temperature").GetInt32());
        Assert.True(SourcePosition.TryRead(request.Message.Headers, out _, out _));
    }

    [Fact]
    public void Device_events_are_evaluated_and_a_body_that_is_not_an_object_is_an_evaluation_error()
    {
        using var h = new RulesHarness(Rule("door", "SELECT door, clientid() AS device FROM 'devices/+/events' WHERE door = 'open'", "kafka:doors"));

        h.Topology.EventsIn.PipeInput("dev-1", TopologyHarness.Frame(Event("dev-1", """{"door":"open","level":{"a":1}}""")));
        h.Topology.EventsIn.PipeInput("dev-1", TopologyHarness.Frame(Event("dev-1", """{"door":"closed"}""")));
        h.Topology.EventsIn.PipeInput("dev-1", TopologyHarness.Frame(Event("dev-1", "[1,2]")));

        Assert.Equal(["""{"door":"open","device":"dev-1"}"""], h.Topology.Json("doors").ReadValueList());
        var rejected = Assert.Single(h.Topology.Rejected.ReadValueList());
        Assert.Equal(RejectedMessage.Types.Reason.RuleActionFailed, rejected.Reason);
        Assert.Contains("evaluation", rejected.Detail);
        Assert.Equal("devices/dev-1/events", rejected.Topic);
        Assert.Equal("[1,2]", rejected.Payload.ToStringUtf8());
        Assert.Equal(1, h.Metrics.EvaluationErrors("door"));
    }

    [Fact]
    public void Shadow_updates_are_offered_on_their_topic_while_the_shadow_writer_reading_the_same_topic_still_writes_the_document()
    {
        var metrics = new Topology.RulesMetrics(new Prometheus.CollectorRegistry());
        var book = new RuleBook(Microsoft.Extensions.Logging.Abstractions.NullLogger<RuleBook>.Instance, metrics.Rules);
        book.Put(Rule("reported-fan", "SELECT state.reported.fan AS fan, topic(2) AS device FROM 'devices/+/shadow/update' WHERE state.reported.fan > 0",
            "kafka:fans"));
        book.Put(Rule("named", "SELECT * FROM 'devices/+/shadow/name/+/update'", "kafka:named"));
        using var topology = new TopologyHarness([TopologyHarness.Enrich(), new Modules.Shadow.ShadowModule(),
            new RulesModule(book, Microsoft.Extensions.Options.Options.Create(new RuleActionOptions()))], metrics: metrics);

        topology.ShadowRequestsIn.PipeInput("dev-1", TopologyHarness.Frame(Shadow("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"reported":{"fan":2}}}""")));
        topology.ShadowRequestsIn.PipeInput("dev-1", TopologyHarness.Frame(Shadow("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"reported":{"fan":0}}}""")));
        topology.ShadowRequestsIn.PipeInput("dev-1", TopologyHarness.Frame(Shadow("dev-1", ShadowRequest.Types.Operation.Get, "")));
        topology.ShadowRequestsIn.PipeInput("dev-1", TopologyHarness.Frame(Shadow("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"desired":{"mode":"eco"}}}""", "config")));

        Assert.Equal(["""{"fan":2,"device":"dev-1"}"""], topology.Json("fans").ReadValueList());
        Assert.Equal(["""{"state":{"desired":{"mode":"eco"}}}"""], topology.Json("named").ReadValueList());
        // The shadow writer got every update too: two versions of the classic shadow, one of the named one.
        var documents = topology.Shadows.ReadKeyValueList().Select(r => (r.Message.Key, r.Message.Value.Version)).ToList();
        Assert.Equal([("dev-1", 1L), ("dev-1", 2L), ("dev-1/config", 1L)], documents);
    }

    private static ShadowRequest Shadow(string deviceId, ShadowRequest.Types.Operation operation, string payload, string name = "") => new()
    {
        DeviceId = deviceId, ShadowName = name, Operation = operation, Payload = Google.Protobuf.ByteString.CopyFromUtf8(payload),
        RequestId = Guid.NewGuid().ToString("N"), Source = ShadowRequest.Types.Source.Device, ReplyTo = "test", ReceivedTsMs = T0,
    };

    private static DeviceEvent Event(string deviceId, string body) => new()
    {
        DeviceId = deviceId,
        DeviceTsMs = T0,
        ReceivedTsMs = T0,
        BodyJson = body,
        Topic = $"devices/{deviceId}/events",
        Source = "device",
    };
}
