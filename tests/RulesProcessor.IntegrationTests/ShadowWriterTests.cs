using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.TestSupport;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>The shadow writer (module "shadow") in the service on the embedded stack, next to the telemetry modules.</summary>
public sealed class ShadowWriterTests
{
    [Fact]
    public async Task By_default_the_shadow_module_runs_and_applies_requests_next_to_telemetry()
    {
        await using var stack = new RulesStack("shadow");
        await stack.RegisterAsync("dev-s");
        await stack.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(stack.HttpUrl) };
        await Eventually.HoldsAsync(async () => (await http.GetAsync("/healthz")).StatusCode, s => s == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "/healthz answers 200 once the stream is RUNNING");

        await stack.SendAsync(Of("dev-s", RecentMinute(), 1, ("temperature", 1)));
        await SendShadowAsync(stack, "dev-s", ShadowRequest.Types.Operation.Update, """{"state":{"desired":{"color":"red"}}}""", "r1");
        await SendShadowAsync(stack, "dev-s", ShadowRequest.Types.Operation.Update, """{"state":{"reported":{"color":"blue"}}}""", "r2");

        var documents = await stack.ReadUntilAsync<ShadowDocument>(stack.Topics.Shadows, d => d.Count >= 2, "2 shadow documents");
        var responses = await stack.ReadUntilAsync<ShadowResponse>(stack.Topics.ShadowResponses, r => r.Count(x => x.Topic.EndsWith("/accepted")) >= 2, "2 accepted");
        await stack.ReadUntilAsync<EnrichedTelemetry>(stack.Topics.TelemetryEnriched, e => e.Count == 1, "the telemetry record enriched");

        Assert.Equal([1L, 2L], documents.Select(d => d.Version));
        Assert.Equal("red", JsonNode.Parse(documents[1].DocumentJson)!["state"]!["delta"]!["color"]!.GetValue<string>());
        Assert.Equal(["r1", "r2"], responses.Where(r => r.Topic == "devices/dev-s/shadow/update/accepted").Select(r => r.RequestId));
    }

    [Fact]
    public async Task After_a_restart_with_lost_local_state_no_request_is_applied_twice_and_the_document_is_restored()
    {
        await using var stack = new RulesStack("shadow-restart");
        await stack.StartAsync();
        await SendShadowAsync(stack, "dev-r", ShadowRequest.Types.Operation.Update, """{"state":{"desired":{"fan":1}}}""", "r1");
        await SendShadowAsync(stack, "dev-r", ShadowRequest.Types.Operation.Update, """{"state":{"reported":{"fan":0}}}""", "r2");
        await stack.ReadUntilAsync<ShadowDocument>(stack.Topics.Shadows, d => d.Count >= 2, "2 shadow documents before the restart");

        await stack.StopAsync();
        // A fresh state folder: the documents come back from the store's changelog, the processed offsets from the replay guard's.
        await stack.StartAsync();
        await SendShadowAsync(stack, "dev-r", ShadowRequest.Types.Operation.Update, """{"state":{"desired":{"fan":2}},"version":2}""", "r3");

        var documents = await stack.ReadUntilAsync<ShadowDocument>(stack.Topics.Shadows, d => d.Count >= 3, "3 shadow documents");
        var responses = await stack.ReadUntilAsync<ShadowResponse>(stack.Topics.ShadowResponses,
            r => r.Any(x => x.RequestId == "r3" && (x.Topic.EndsWith("/accepted") || x.Topic.EndsWith("/rejected"))), "the answer to r3");

        Assert.Equal([1L, 2L, 3L], documents.Select(d => d.Version));
        Assert.Equal("devices/dev-r/shadow/update/accepted", responses.Single(r => r.RequestId == "r3" && r.Topic.EndsWith("ed")).Topic);
        var last = JsonNode.Parse(documents[2].DocumentJson)!["state"]!;
        Assert.Equal((2, 0), (last["desired"]!["fan"]!.GetValue<int>(), last["reported"]!["fan"]!.GetValue<int>()));
    }

    private static async Task SendShadowAsync(RulesStack stack, string device, ShadowRequest.Types.Operation operation, string json, string requestId)
    {
        var request = new ShadowRequest
        {
            DeviceId = device, Operation = operation, Payload = ByteString.CopyFromUtf8(json), RequestId = requestId,
            Source = ShadowRequest.Types.Source.Application, ReplyTo = "test", ReceivedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        var schemaId = await stack.SchemaIdAsync<ShadowRequest>(stack.Topics.ShadowRequests);
        await stack.ProduceAsync(stack.Topics.ShadowRequests, device, ProtobufSerializer<ShadowRequest>.Encode(request, schemaId));
    }
}
