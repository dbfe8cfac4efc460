using System.Text.Json.Nodes;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.RulesProcessor.Hosting;
using Pipeline.RulesProcessor.Modules.Shadow;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.Topology;
using Prometheus;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>The shadow writer on a TopologyTestDriver: requests in, device messages and documents out.</summary>
public sealed class ShadowModuleTests : IDisposable
{
    private const int SchemaId = 7;
    private static readonly KafkaTopics Topics = new();
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), $"shadow-unit-{Guid.NewGuid():N}");
    private readonly TopologyTestDriver _driver;
    private readonly TestInputTopic<string, byte[]> _requests;
    private readonly TestOutputTopic<string, ShadowResponse> _responses;
    private readonly TestOutputTopic<string, ShadowDocument> _documents;
    private int _requestIds;

    public ShadowModuleTests()
    {
        var plan = new RulesTopology([new ShadowModule()], Topics, "shadow-unit");
        var config = StreamSettings.Create(new RulesOptions { ApplicationId = "shadow-unit" }, new Pipeline.ServiceDefaults.Kafka.KafkaClientFactory(new Pipeline.ServiceDefaults.KafkaOptions { BootstrapServers = "unused:9092" }, "rules-unit"), _stateDir);
        _driver = new TopologyTestDriver(plan.Build(new StaticSchemaCatalog(SchemaId), new RulesMetrics(new CollectorRegistry())), config);
        _requests = _driver.CreateInputTopic(Topics.ShadowRequests, new StringSerDes(), new ByteArraySerDes());
        _responses = _driver.CreateOutputTopic(Topics.ShadowResponses, TimeSpan.FromSeconds(1), new StringSerDes(), new ProtobufSerDes<ShadowResponse>(SchemaId));
        _documents = _driver.CreateOutputTopic(Topics.Shadows, TimeSpan.FromSeconds(1), new StringSerDes(), new ProtobufSerDes<ShadowDocument>(SchemaId));
    }

    [Fact]
    public void Update_answers_on_the_device_topics_and_writes_the_document()
    {
        Send("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"desired":{"color":"red"}},"clientToken":"c1"}""");

        var responses = _responses.ReadValueList().ToList();
        Assert.Equal(
            ["devices/dev-1/shadow/update/accepted", "devices/dev-1/shadow/update/documents", "devices/dev-1/shadow/update/delta"],
            responses.Select(r => r.Topic));
        Assert.Equal("c1", Json(responses[0])["clientToken"]!.GetValue<string>());
        var document = Assert.Single(_documents.ReadKeyValueList());
        Assert.Equal("dev-1", document.Message.Key);
        Assert.Equal(1, document.Message.Value.Version);
        Assert.Equal("red", JsonNode.Parse(document.Message.Value.DocumentJson)!["state"]!["desired"]!["color"]!.GetValue<string>());
    }

    [Fact]
    public void Device_and_application_updates_are_applied_in_order_with_increasing_versions()
    {
        Send("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"desired":{"fan":1}}}""", source: ShadowRequest.Types.Source.Application);
        Send("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"reported":{"fan":0}}}""");
        Send("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"desired":{"fan":2}},"version":1}""", source: ShadowRequest.Types.Source.Application);

        Assert.Equal([1L, 2L], _documents.ReadValueList().Select(d => d.Version));
        var rejected = Assert.Single(_responses.ReadValueList(), r => r.Topic.EndsWith("/update/rejected"));
        Assert.Equal(409, Json(rejected)["code"]!.GetValue<int>());
    }

    [Fact]
    public void Named_shadows_are_separate_documents_with_their_own_topics()
    {
        Send("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"reported":{"a":1}}}""");
        Send("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"reported":{"b":1}}}""", name: "config");
        Send("dev-1", ShadowRequest.Types.Operation.Get, "", name: "other");

        var documents = _documents.ReadKeyValueList().Select(r => (r.Message.Key, r.Message.Value.Version)).ToList();
        Assert.Equal([("dev-1", 1L), ("dev-1/config", 1L)], documents);
        var responses = _responses.ReadValueList().ToList();
        Assert.Contains(responses, r => r.Topic == "devices/dev-1/shadow/name/config/update/accepted");
        var missing = Assert.Single(responses, r => r.Topic == "devices/dev-1/shadow/name/other/get/rejected");
        Assert.Equal(404, Json(missing)["code"]!.GetValue<int>());
    }

    [Fact]
    public void Delete_writes_a_deleted_document_and_get_then_answers_404()
    {
        Send("dev-1", ShadowRequest.Types.Operation.Update, """{"state":{"reported":{"a":1}}}""");
        Send("dev-1", ShadowRequest.Types.Operation.Delete, "");
        Send("dev-1", ShadowRequest.Types.Operation.Get, "");

        Assert.True(_documents.ReadValueList().Last().Deleted);
        Assert.Equal("devices/dev-1/shadow/get/rejected", _responses.ReadValueList().Last().Topic);
    }

    [Fact]
    public void A_request_filed_under_another_device_is_ignored()
    {
        _requests.PipeInput("dev-2", ProtobufSerializer<ShadowRequest>.Encode(Request("dev-1", ShadowRequest.Types.Operation.Update,
            """{"state":{"reported":{"a":1}}}""", "", ShadowRequest.Types.Source.Device), SchemaId));

        Assert.Empty(_documents.ReadValueList());
        Assert.Empty(_responses.ReadValueList());
    }

    public void Dispose()
    {
        _driver.Dispose();
        try
        {
            Directory.Delete(_stateDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private void Send(string deviceId, ShadowRequest.Types.Operation operation, string payload, string name = "",
        ShadowRequest.Types.Source source = ShadowRequest.Types.Source.Device) =>
        _requests.PipeInput(deviceId, ProtobufSerializer<ShadowRequest>.Encode(Request(deviceId, operation, payload, name, source), SchemaId));

    private ShadowRequest Request(string deviceId, ShadowRequest.Types.Operation operation, string payload, string name,
        ShadowRequest.Types.Source source) => new()
    {
        DeviceId = deviceId, ShadowName = name, Operation = operation, Payload = ByteString.CopyFromUtf8(payload),
        RequestId = $"r-{++_requestIds}", Source = source, ReplyTo = "test",
    };

    private static JsonObject Json(ShadowResponse response) => JsonNode.Parse(response.Payload.ToStringUtf8())!.AsObject();
}
