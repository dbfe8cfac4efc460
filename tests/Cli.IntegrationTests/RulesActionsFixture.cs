using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// One `up --fresh` for <see cref="RulesActionsTests"/>, and the clients those tests drive it with: the CLI,
/// mosquitto_pub as a device, and curl on ClickHouse's HTTP interface as the migrator.
/// </summary>
public sealed class RulesActionsFixture : UpPipeline
{
    /// <summary>A topic for kafka actions: the embedded Kafka takes no CreateTopics, so `up` creates it at start.</summary>
    public const string AlertsTopic = "alerts.hot";

    public JsonElement Endpoints => JsonDocument.Parse(File.ReadAllText(Home.EndpointsFile)).RootElement;

    public sealed record Device(string Id, string Token);

    public string[] MqttArgs(Device device) => ["-h", "127.0.0.1", "-p", TcpPort, "-i", device.Id, "-u", device.Id, "-P", device.Token];

    protected override void Configure(IDictionary<string, string> environment) =>
        environment["PIPELINE__EmbeddedStack__ExtraTopics__0"] = AlertsTopic;

    protected override async Task StartedAsync()
    {
        await Eventually.HoldsAsync(async () => (await CurlBridge("GET", "/rules")).Status, s => s == 200,
            TimeSpan.FromSeconds(30), "the rules API answers");
    }

    /// <summary>Registers a device and waits until the bridge's registry view knows it.</summary>
    public async Task<Device> AddDeviceAsync(string id)
    {
        await using var add = await CliProcess.RunAsync(Home, "devices", "add", id, "--json");
        Assert.True(add.ExitCode == 0, add.Stderr);
        var device = new Device(id, JsonNode.Parse(add.Stdout)!["token"]!.GetValue<string>());
        // The command API answers 404 for a device the bridge does not know yet, 400 for an invalid payload once it does.
        await Eventually.HoldsAsync(async () => (await CurlBridge("POST", $"/commands/{id}", "{invalid")).Status,
            s => s == 400, TimeSpan.FromSeconds(30), $"the bridge knows {id}");
        return device;
    }

    /// <summary>`./pipeline rules ...`, which must succeed.</summary>
    public async Task<string> RulesOk(params string[] args)
    {
        await using var run = await CliProcess.RunAsync(Home, ["rules", .. args]);
        Assert.True(run.ExitCode == 0, $"rules {string.Join(' ', args)}: {run.Stderr}");
        return run.Stdout;
    }

    /// <summary>mosquitto_pub as the device: one telemetry reading at QoS 1, acknowledged.</summary>
    public async Task PublishAsync(Device device, int seq, double temperature)
    {
        var (exit, _, stderr) = await TryPublishAsync(device, seq, temperature);
        Assert.True(exit == 0, $"mosquitto_pub exited {exit}: {stderr}");
    }

    public Task<(int Exit, string Stdout, string Stderr)> TryPublishAsync(Device device, int seq, double temperature) =>
        ExternalTool.TryRunAsync("mosquitto_pub", [.. MqttArgs(device), "-V", "mqttv5", "-q", "1",
            "-t", $"devices/{device.Id}/telemetry", "-m", FormattableString.Invariant($$"""{"seq":{{seq}},"temperature":{{temperature}}}""")]);

    /// <summary>
    /// Adds a rule whose iot.rules record lands on the same partition as <paramref name="other"/>'s, so the
    /// processor applies changes to the two in the order they were made; returns its name.
    /// </summary>
    public async Task<string> AddRuleOnSamePartitionAsync(string other, string sql, string action)
    {
        for (var i = 0; i < 32; i++)
        {
            var name = $"{other}-sentinel-{i}";
            await RulesOk("add", name, "--sql", sql, "--action", action);
            var partitions = await RulePartitionsAsync();
            if (partitions[name] == partitions[other])
                return name;
            await RulesOk("delete", name);
        }
        throw new InvalidOperationException($"No sentinel rule name shares {other}'s iot.rules partition.");
    }

    /// <summary>kcat: the iot.rules partition of each rule's latest record.</summary>
    private async Task<Dictionary<string, string>> RulePartitionsAsync()
    {
        var kafka = Endpoints.GetProperty("kafka").GetString()!;
        var output = await ExternalTool.RunAsync("kcat", ["-C", "-b", kafka, "-t", "iot.rules", "-e", "-q", "-f", "%k\t%p\n"]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
    }

    /// <summary>curl on ClickHouse's HTTP interface as the migrator (who may CREATE TABLE), as an operator would.</summary>
    public async Task CreateTableAsMigratorAsync(string sql)
    {
        var migrator = Home.ClickHouseUser(global::Pipeline.EmbeddedStack.ClickHouse.ClickHouseRole.Migrator);
        var url = Endpoints.GetProperty("clickhouse").GetString()!;
        var output = await ExternalTool.RunAsync("curl", ["-s", "-w", "\n%{http_code}", "-H", $"X-ClickHouse-User: {migrator.User}",
            "-H", $"X-ClickHouse-Key: {migrator.Password}", "--data-binary", "@-", url], sql);
        Assert.True(output.EndsWith("\n200", StringComparison.Ordinal), output);
    }

    private async Task<(int Status, string Body)> CurlBridge(string method, string path, string? body = null)
    {
        var args = new List<string> { "-s", "-X", method, "-w", "\n%{http_code}", "-H", $"Authorization: Bearer {OperatorToken}" };
        if (body is not null)
            args.AddRange(["-H", "Content-Type: application/json", "--data-binary", "@-"]);
        args.Add(BridgeHttp + path);
        var (exit, output, _) = await ExternalTool.TryRunAsync("curl", args, body);
        var split = output.LastIndexOf('\n');
        return exit == 0 && split >= 0 && int.TryParse(output[(split + 1)..].Trim(), out var status) ? (status, output[..split]) : (-1, output);
    }
}
