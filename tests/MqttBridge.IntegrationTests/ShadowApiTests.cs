using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.MqttBridge.IntegrationTests.Support;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// The bridge's HTTP shadow API up to Kafka: the token, the refusals it gives itself, the request it writes.
/// Answers from the real shadow writer are checked end to end in tests/Cli.IntegrationTests (ShadowsTests).
/// </summary>
public sealed class ShadowApiTests(ShadowApiTests.TokenBridgeFixture fixture) : IClassFixture<ShadowApiTests.TokenBridgeFixture>
{
    public const string Token = "operator-token-0123456789";

    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task Without_a_configured_token_the_api_refuses_everyone_with_503()
    {
        await using var bridge = await TestBridge.StartAsync();
        var device = await bridge.AddDeviceAsync();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var response = await http.GetAsync($"{bridge.HttpUrl}/shadows/{device.DeviceId}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("OperatorApi:Token", Message(await response.Content.ReadAsStringAsync()));
        Assert.Empty(await bridge.RecordsNowAsync<ShadowRequest>(bridge.Topics.ShadowRequests, _ => true));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token-0123456789")]
    [InlineData("Basic " + Token)]
    [InlineData(Token)]
    public async Task A_missing_or_wrong_token_gets_401_and_writes_nothing(string? authorization)
    {
        var device = await Bridge.AddDeviceAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Bridge.HttpUrl}/shadows/{device.DeviceId}")
        {
            Content = new StringContent("""{"state":{"desired":{"a":1}}}""", Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Empty(await Bridge.RecordsNowAsync<ShadowRequest>(Bridge.Topics.ShadowRequests, r => r.DeviceId == device.DeviceId));
    }

    [Theory]
    [InlineData("/shadows/{0}?name=bad%2Fname", HttpStatusCode.BadRequest, "Invalid shadow name")]
    [InlineData("/shadows/{0}?name=", HttpStatusCode.BadRequest, "Invalid shadow name")]
    [InlineData("/shadows/no%20such%20id", HttpStatusCode.BadRequest, "Invalid device id")]
    [InlineData("/shadows/never-registered-device", HttpStatusCode.NotFound, "No device with id 'never-registered-device'")]
    public async Task Bad_ids_and_names_get_a_specific_refusal(string path, HttpStatusCode status, string message)
    {
        var device = await Bridge.AddDeviceAsync();

        var response = await Client().GetAsync(Bridge.HttpUrl + string.Format(path, device.DeviceId));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(message, Message(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task A_revoked_device_has_no_shadow_api()
    {
        var device = await Bridge.AddDeviceAsync();
        await Bridge.RevokeAsync(device.DeviceId);

        var response = await Client().GetAsync($"{Bridge.HttpUrl}/shadows/{device.DeviceId}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_body_over_8_KiB_gets_413_without_reaching_kafka()
    {
        var device = await Bridge.AddDeviceAsync();
        var body = """{"state":{"desired":{"blob":""" + $"\"{new string('x', 9000)}\"" + "}}}";

        var response = await Client().PostAsync($"{Bridge.HttpUrl}/shadows/{device.DeviceId}", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal((413, "The payload exceeds the maximum size allowed"), (json["code"]!.GetValue<int>(), json["message"]!.GetValue<string>()));
        Assert.Empty(await Bridge.RecordsNowAsync<ShadowRequest>(Bridge.Topics.ShadowRequests, r => r.DeviceId == device.DeviceId));
    }

    [Fact]
    public async Task A_request_goes_to_the_requests_topic_as_the_applications_and_gets_504_when_no_writer_answers()
    {
        // This bridge's topics have no shadow writer behind them, so no answer can come.
        var device = await Bridge.AddDeviceAsync();
        const string body = """{"state":{"desired":{"color":"red"}},"clientToken":"app-1"}""";

        var response = await Client().PostAsync($"{Bridge.HttpUrl}/shadows/{device.DeviceId}?name=config", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("No answer from the shadow writer", Message(await response.Content.ReadAsStringAsync()));
        var (key, request) = Assert.Single(await Bridge.WaitForRecordsAsync<ShadowRequest>(Bridge.Topics.ShadowRequests, r => r.DeviceId == device.DeviceId));
        Assert.Equal(device.DeviceId, key);
        Assert.Equal(("config", ShadowRequest.Types.Operation.Update, ShadowRequest.Types.Source.Application, body),
            (request.ShadowName, request.Operation, request.Source, request.Payload.ToStringUtf8()));
        Assert.Equal(Bridge.Services.GetRequiredService<IOptions<Options.BridgeOptions>>().Value.InstanceId, request.ReplyTo);
    }

    [Theory]
    [InlineData("OperatorApi:Token", "short")]
    [InlineData("OperatorApi:Token", "has a space inside it 0123")]
    [InlineData("ShadowApi:OperatorToken", "short")]
    public async Task A_weak_or_malformed_token_stops_the_bridge_at_start_naming_the_setting(string setting, string token)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestBridge.StartAsync(new Dictionary<string, string> { [setting] = token }));

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public async Task The_older_setting_name_still_sets_the_operator_token()
    {
        await using var bridge = await TestBridge.StartAsync(new Dictionary<string, string>
        {
            ["ShadowApi:OperatorToken"] = Token,
            ["ShadowApi:AnswerTimeout"] = "00:00:01",
        });
        var device = await bridge.AddDeviceAsync();
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{bridge.HttpUrl}/shadows/{device.DeviceId}")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await http.GetAsync($"{bridge.HttpUrl}/shadows/{device.DeviceId}")).StatusCode);
    }

    private static HttpClient Client()
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    private static string Message(string body) => JsonNode.Parse(body)!["message"]!.GetValue<string>();

    /// <summary>A bridge with the operator token set and a short answer timeout (no writer runs behind it).</summary>
    public sealed class TokenBridgeFixture : IAsyncLifetime
    {
        public TestBridge Bridge { get; private set; } = null!;

        public async Task InitializeAsync() => Bridge = await TestBridge.StartAsync(new Dictionary<string, string>
        {
            ["OperatorApi:Token"] = Token,
            ["ShadowApi:AnswerTimeout"] = "00:00:01",
        });

        public async Task DisposeAsync()
        {
            var errors = Bridge.LoggedErrors;
            await Bridge.DisposeAsync();
            Assert.True(errors.Count == 0, "The bridge logged errors:\n" + string.Join("\n", errors));
        }
    }
}
