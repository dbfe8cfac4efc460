using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.MqttBridge.RulesApi;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// The bridge's rules API against a real Kafka: the token, refusals with the statement's position, and what a change
/// leaves in the rules topic (read back with a plain consumer). End to end under `up`, with curl and kcat: tests/Cli.IntegrationTests (RulesTests).
/// </summary>
public sealed class RulesApiTests(RulesApiTests.TokenBridgeFixture fixture) : IClassFixture<RulesApiTests.TokenBridgeFixture>
{
    private const string Token = "rules-operator-token-0123456789";
    private const string HotSql = "SELECT temperature, topic(2) AS deviceId FROM 'devices/+/telemetry' WHERE temperature > 30";

    private TestBridge Bridge => fixture.Bridge;

    [Theory]
    [InlineData("GET", "/rules", null)]
    [InlineData("PUT", "/rules/no-token", "{\"sql\":\"SELECT * FROM 'a'\",\"actions\":[\"kafka:x\"]}")]
    [InlineData("POST", "/rules/test", "{\"sql\":\"SELECT * FROM 'a'\",\"topic\":\"a\",\"payload\":{}}")]
    [InlineData("DELETE", "/rules/no-token", null)]
    public async Task Without_the_operator_token_every_endpoint_answers_401_and_stores_nothing(string method, string path, string? body)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), Bridge.HttpUrl + path);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer wrong-token-0123456789");

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(await StoredAsync(), r => r.Key == "no-token");
    }

    [Fact]
    public async Task A_bad_statement_is_refused_with_its_position_and_nothing_is_stored()
    {
        var (status, body) = await SendAsync("PUT", "/rules/bad-sql", """{"sql":"SELECT lowr(x) FROM 'devices/+/telemetry'","actions":["kafka:alerts"]}""");

        Assert.Equal(400, status);
        Assert.Equal(("sql", 1, 8), (body["field"]!.GetValue<string>(), body["line"]!.GetValue<int>(), body["column"]!.GetValue<int>()));
        Assert.Contains("lower", body["reason"]!.GetValue<string>());
        Assert.Contains("line 1, column 8", body["error"]!.GetValue<string>());
        Assert.Equal(404, (await SendAsync("GET", "/rules/bad-sql")).Status);
        Assert.DoesNotContain(await StoredAsync(), r => r.Key == "bad-sql");
    }

    [Theory]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":["kafka:iot.telemetry.raw"]}""", "actions[0]")]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":[]}""", null)]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":["kafka:x"],"action":"kafka:y"}""", null)]
    [InlineData("""{"actions":["kafka:x"]}""", null)]
    [InlineData("""{"sql":"SELECT * FROM 'a'","actions":["http:https://${topic(2)}.example/x"]}""", "actions[0]")]
    public async Task Rules_that_cannot_be_stored_get_400_with_the_reason(string json, string? field)
    {
        var (status, body) = await SendAsync("PUT", "/rules/refused", json);

        Assert.Equal(400, status);
        Assert.False(string.IsNullOrEmpty(body["error"]?.GetValue<string>()));
        Assert.Equal(field, body["field"]?.GetValue<string>());
        Assert.DoesNotContain(await StoredAsync(), r => r.Key == "refused");
    }

    [Fact]
    public async Task Create_list_show_update_disable_enable_and_delete_leave_versions_and_a_tombstone_in_the_topic()
    {
        var (created, rule) = await SendAsync("POST", "/rules", $$"""{"name":"hot","sql":"{{HotSql}}","actions":["kafka:alerts.hot"],"description":"too warm"}""");
        Assert.Equal(201, created);
        Assert.Equal((1L, true, "kafka", "alerts.hot"), (Version(rule), rule["enabled"]!.GetValue<bool>(),
            rule["actions"]![0]!["type"]!.GetValue<string>(), rule["actions"]![0]!["target"]!.GetValue<string>()));

        Assert.Equal(409, (await SendAsync("POST", "/rules", $$"""{"name":"hot","sql":"{{HotSql}}","actions":["kafka:other"]}""")).Status);
        var list = (await SendAsync("GET", "/rules")).Body.AsArray();
        Assert.Contains(list, r => r!["name"]!.GetValue<string>() == "hot");

        var (replaced, v2) = await SendAsync("PUT", "/rules/hot",
            """{"sql":"SELECT * FROM 'devices/+/telemetry'","actions":[{"type":"republish","target":"devices/${topic(2)}/commands","qos":0}],"errorAction":"kafka:rule.errors"}""",
            ifMatch: "\"1\"");
        Assert.Equal(200, replaced);
        Assert.Equal((2L, 0, "rule.errors"), (Version(v2), v2["actions"]![0]!["qos"]!.GetValue<int>(), v2["errorAction"]!["target"]!.GetValue<string>()));
        Assert.Equal(rule["createdTsMs"]!.GetValue<long>(), v2["createdTsMs"]!.GetValue<long>());
        Assert.Equal(409, (await SendAsync("PUT", "/rules/hot", $$"""{"sql":"{{HotSql}}","actions":["kafka:x"]}""", ifMatch: "\"1\"")).Status);

        var (disabled, v3) = await SendAsync("POST", "/rules/hot/disable");
        Assert.Equal((200, 3L, false), (disabled, Version(v3), v3["enabled"]!.GetValue<bool>()));
        Assert.Equal(3L, Version((await SendAsync("POST", "/rules/hot/disable")).Body));
        var (enabled, v4) = await SendAsync("POST", "/rules/hot/enable");
        Assert.Equal((200, 4L, true), (enabled, Version(v4), v4["enabled"]!.GetValue<bool>()));
        Assert.Equal(v4.ToJsonString(), (await SendAsync("GET", "/rules/hot")).Body.ToJsonString());

        var stored = (await StoredAsync()).Where(r => r.Key == "hot").Select(r => RuleDefinitionJson.TryRead(r.Value))
            .Select(r => (r!.Version, r.Enabled)).ToList();
        Assert.Equal([(1L, true), (2L, true), (3L, false), (4L, true)], stored);

        Assert.Equal(204, (await SendAsync("DELETE", "/rules/hot")).Status);
        Assert.Equal(404, (await SendAsync("GET", "/rules/hot")).Status);
        Assert.Equal(404, (await SendAsync("DELETE", "/rules/hot")).Status);
        Assert.Null((await StoredAsync()).Last(r => r.Key == "hot").Value);
    }

    [Fact]
    public async Task Test_runs_a_stored_rule_or_a_statement_without_writing_anything()
    {
        Assert.Equal(201, (await SendAsync("PUT", "/rules/fan", $$"""{"sql":"{{HotSql}}","actions":["republish:devices/${topic(2)}/commands","kafka:alerts.${deviceId}"]}""")).Status);
        var before = (await StoredAsync()).Count;

        var (status, hot) = await SendAsync("POST", "/rules/test", """{"name":"fan","topic":"devices/d7/telemetry","payload":{"temperature":35}}""");
        Assert.Equal(200, status);
        Assert.True(hot["matched"]!.GetValue<bool>());
        Assert.Equal("""{"temperature":35,"deviceId":"d7"}""", hot["result"]!.ToJsonString());
        Assert.Equal(["republish:devices/d7/commands", "kafka:alerts.d7"],
            hot["actions"]!.AsArray().Select(a => $"{a!["type"]}:{a["target"]}"));

        var (_, cold) = await SendAsync("POST", "/rules/test", """{"name":"fan","topic":"devices/d7/telemetry","payload":"{\"temperature\":20}"}""");
        Assert.Equal((true, false, 0), (cold["topicMatched"]!.GetValue<bool>(), cold["matched"]!.GetValue<bool>(), cold["actions"]!.AsArray().Count));

        var (_, adhoc) = await SendAsync("POST", "/rules/test", """{"sql":"SELECT upper(s) AS s FROM 'devices/+/events'","topic":"devices/d1/events","payload":{"s":"ok"}}""");
        Assert.Equal("""{"s":"OK"}""", adhoc["result"]!.ToJsonString());

        var (badStatus, bad) = await SendAsync("POST", "/rules/test", """{"sql":"SELECT FROM 'a'","topic":"a","payload":{}}""");
        Assert.Equal((400, 1), (badStatus, bad["line"]!.GetValue<int>()));
        Assert.Equal(400, (await SendAsync("POST", "/rules/test", """{"sql":"SELECT * FROM 'a'","topic":"a","payload":[1]}""")).Status);
        Assert.Equal(400, (await SendAsync("POST", "/rules/test", """{"name":"absent","topic":"a","payload":{}}""")).Status);
        Assert.Equal(before, (await StoredAsync()).Count);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413()
    {
        var sql = new string('x', RuleBody.MaxBytes);
        Assert.Equal(413, (await SendAsync("PUT", "/rules/huge", $$"""{"sql":"{{sql}}","actions":["kafka:x"]}""")).Status);
    }

    private static long Version(JsonNode rule) => rule["version"]!.GetValue<long>();

    private Task<IReadOnlyList<(string Key, byte[]? Value)>> StoredAsync() => KafkaRecords.ReadRawNowAsync(Bridge.BootstrapServers, Bridge.Topics.Rules);

    private async Task<(int Status, JsonNode Body)> SendAsync(string method, string path, string? body = null, string? ifMatch = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), Bridge.HttpUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }

    /// <summary>A bridge with the operator token set, shared by the class (rule names differ per test).</summary>
    public sealed class TokenBridgeFixture : IAsyncLifetime
    {
        public TestBridge Bridge { get; private set; } = null!;

        public async Task InitializeAsync() => Bridge = await TestBridge.StartAsync(new Dictionary<string, string> { ["OperatorApi:Token"] = Token });

        public async Task DisposeAsync()
        {
            var errors = Bridge.LoggedErrors;
            await Bridge.DisposeAsync();
            Assert.True(errors.Count == 0, "The bridge logged errors:\n" + string.Join("\n", errors));
        }
    }
}
