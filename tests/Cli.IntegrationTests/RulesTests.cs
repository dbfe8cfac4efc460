using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// Rules management end to end on one `up`: `./pipeline rules ...`, the bridge's rules API called with curl and the
/// token from credentials.json, and kcat reading what iot.rules holds.
/// </summary>
public sealed class RulesTests(RulesTests.Pipeline pipeline) : IClassFixture<RulesTests.Pipeline>
{
    private const string HotSql = "SELECT temperature, topic(2) AS deviceId FROM 'devices/+/telemetry' WHERE temperature > 30";

    [Fact]
    public async Task Cli_adds_changes_disables_enables_tests_and_deletes_a_rule_and_iot_rules_holds_each_version()
    {
        var bad = await Rules("add", "bad", "--sql", "SELECT lowr(temperature) FROM 'devices/+/telemetry'", "--action", "kafka:alerts");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("line 1, column 8", bad.Stderr);
        Assert.Contains("  SELECT lowr(temperature) FROM 'devices/+/telemetry'\n         ^ unknown function 'lowr'", bad.Stderr.Replace("\r", ""));

        var added = await Rules("add", "fan", "--sql", HotSql, "--action", "republish:devices/${topic(2)}/commands", "--action", "kafka:alerts.hot",
            "--description", "switch the fan on", "--qos", "0");
        Assert.True(added.ExitCode == 0, added.Stderr);
        Assert.Contains("Rule fan added (version 1, enabled)", added.Stdout);
        var duplicate = await Rules("add", "fan", "--sql", HotSql, "--action", "kafka:x");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("exists", duplicate.Stderr);

        var updated = await Rules("update", "fan", "--description", "fan on above 30");
        Assert.True(updated.ExitCode == 0, updated.Stderr);
        var shown = JsonNode.Parse((await Rules("show", "fan", "--json")).Stdout)!;
        Assert.Equal((2L, "fan on above 30", HotSql, 0), (shown["version"]!.GetValue<long>(), shown["description"]!.GetValue<string>(),
            shown["sql"]!.GetValue<string>(), shown["actions"]![0]!["qos"]!.GetValue<int>()));
        Assert.Equal(2, shown["actions"]!.AsArray().Count);

        Assert.Equal(0, (await Rules("disable", "fan")).ExitCode);
        var listed = JsonNode.Parse((await Rules("list", "--json")).Stdout)!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "fan")!;
        Assert.Equal((3L, false), (listed["version"]!.GetValue<long>(), listed["enabled"]!.GetValue<bool>()));
        Assert.Equal(0, (await Rules("enable", "fan")).ExitCode);
        var table = await Rules("list");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("devices/+/telemetry", table.Stdout);
        Assert.Contains("kafka:alerts.hot", table.Stdout);

        var test = await Rules("test", "fan", "--topic", "devices/d9/telemetry", "--payload", """{"temperature":35}""");
        Assert.True(test.ExitCode == 0, test.Stderr);
        Assert.Contains("\"deviceId\": \"d9\"", test.Stdout);
        Assert.Contains("republish: devices/d9/commands (QoS 0)", test.Stdout);
        Assert.Contains("kafka: alerts.hot", test.Stdout);
        var cold = await Rules("test", "fan", "--topic", "devices/d9/telemetry", "--payload", """{"temperature":20}""");
        Assert.Contains("no match: the WHERE clause", cold.Stdout);

        var stored = await KcatAsync();
        Assert.Equal([1L, 2L, 3L, 4L], stored.Where(r => r.Key == "fan").Select(r => JsonNode.Parse(r.Value!)!["version"]!.GetValue<long>()));
        Assert.DoesNotContain(stored, r => r.Key == "bad");

        Assert.Equal(0, (await Rules("delete", "fan")).ExitCode);
        Assert.Null((await KcatAsync()).Last(r => r.Key == "fan").Value);
        var gone = await Rules("show", "fan");
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("No rule named 'fan'", gone.Stderr);
        Assert.Equal(1, (await Rules("delete", "fan")).ExitCode);
    }

    [Fact]
    public async Task Cli_test_runs_a_statement_without_storing_it()
    {
        var before = (await KcatAsync()).Count;
        var test = await Rules("test", "--sql", "SELECT upper(state) AS state FROM 'devices/+/events'", "--topic", "devices/d1/events",
            "--payload", """{"state":"open"}""", "--action", "kafka:doors.${topic(2)}", "--json");
        Assert.True(test.ExitCode == 0, test.Stderr);
        var answer = JsonNode.Parse(test.Stdout)!;
        Assert.Equal("""{"state":"OPEN"}""", answer["result"]!.ToJsonString());
        Assert.Equal("doors.d1", answer["actions"]![0]!["target"]!.GetValue<string>());
        Assert.Equal(1, (await Rules("test", "--sql", "SELECT * FROM", "--topic", "a", "--payload", "{}")).ExitCode);
        Assert.Equal(1, (await Rules("test", "--sql", "SELECT * FROM 'a'", "--topic", "a", "--payload", "[1]")).ExitCode);
        Assert.Equal(before, (await KcatAsync()).Count);
    }

    [Fact]
    public async Task Curl_manages_rules_with_the_operator_token_from_credentials_json()
    {
        var url = $"{pipeline.BridgeHttp}/rules";
        Assert.Equal(401, (await Curl("GET", url, token: null)).Status);
        Assert.Equal(401, (await Curl("GET", url, token: "not-the-operator-token")).Status);

        var bad = await Curl("PUT", $"{url}/curl-bad", """{"sql":"SELECT * FROM 'a' WHERE","actions":["kafka:x"]}""");
        Assert.Equal(400, bad.Status);
        Assert.Equal(1, JsonNode.Parse(bad.Body)!["line"]!.GetValue<int>());

        var created = await Curl("PUT", $"{url}/curl-rule", """{"sql":"SELECT * FROM 'devices/+/events'","actions":[{"type":"kafka","target":"events.copy"}]}""");
        Assert.Equal(201, created.Status);
        var got = await Curl("GET", $"{url}/curl-rule");
        Assert.Equal(200, got.Status);
        var stored = (await KcatAsync()).Last(r => r.Key == "curl-rule").Value;
        Assert.Equal(JsonNode.Parse(got.Body)!.ToJsonString(), JsonNode.Parse(stored!)!.ToJsonString());
        Assert.Equal(409, (await Curl("POST", url, """{"name":"curl-rule","sql":"SELECT * FROM 'a'","actions":["kafka:x"]}""")).Status);
        var test = await Curl("POST", $"{url}/test", """{"name":"curl-rule","topic":"devices/d2/events","payload":{"door":"open"}}""");
        Assert.Equal((200, true), (test.Status, JsonNode.Parse(test.Body)!["matched"]!.GetValue<bool>()));
        Assert.Equal(204, (await Curl("DELETE", $"{url}/curl-rule")).Status);
        Assert.DoesNotContain(await KcatAsync(), r => r.Key == "curl-bad");
    }

    [Fact]
    public async Task Without_a_running_pipeline_rules_commands_say_so_and_fail()
    {
        using var home = new CliHome();
        await using var list = await CliProcess.RunAsync(home, "rules", "list");
        Assert.Equal(1, list.ExitCode);
        Assert.Contains("No pipeline is running", list.Stderr);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> Rules(params string[] args)
    {
        await using var run = await CliProcess.RunAsync(pipeline.Home, ["rules", .. args]);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    /// <summary>Every record of iot.rules as kcat prints it: key and value (null for a tombstone).</summary>
    private async Task<List<(string Key, string? Value)>> KcatAsync()
    {
        var kafka = JsonDocument.Parse(File.ReadAllText(pipeline.Home.EndpointsFile)).RootElement.GetProperty("kafka").GetString()!;
        var output = await ExternalTool.RunAsync("kcat", ["-C", "-b", kafka, "-t", "iot.rules", "-e", "-q", "-Z", "-f", "%k\t%S\t%s\n"]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 3))
            .Select(p => (p[0], p[1] == "-1" ? null : p[2]))
            .ToList();
    }

    /// <summary>curl with the operator token of credentials.json unless <paramref name="token"/> says otherwise (null: none).</summary>
    private async Task<(int Status, string Body)> Curl(string method, string url, string? body = null, string? token = "")
    {
        token = token == "" ? pipeline.OperatorToken : token;
        var args = new List<string> { "-s", "-X", method, "-w", "\n%{http_code}" };
        if (token is not null)
            args.AddRange(["-H", $"Authorization: Bearer {token}"]);
        if (body is not null)
            args.AddRange(["-H", "Content-Type: application/json", "--data-binary", "@-"]);
        args.Add(url);
        var output = await ExternalTool.RunAsync("curl", args, body);
        var split = output.LastIndexOf('\n');
        return (int.Parse(output[(split + 1)..].Trim()), output[..split]);
    }

    /// <summary>One `up --fresh` for the class, ready once the bridge's rules API answers.</summary>
    public sealed class Pipeline : UpPipeline
    {
        protected override async Task StartedAsync()
        {
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", OperatorToken);
            await Eventually.HoldsAsync(async () => (int)(await http.GetAsync($"{BridgeHttp}/rules")).StatusCode, s => s == 200,
                TimeSpan.FromSeconds(30), "the rules API answers");
        }
    }
}
