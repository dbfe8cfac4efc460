using System.Diagnostics;
using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Modules.Rules;
using Pipeline.RulesSql.Definitions;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using static Pipeline.RulesProcessor.IntegrationTests.Readings;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>http actions posted by the processor's webhook dispatcher to a receiver the project did not write (python3 http.server).</summary>
public sealed class WebhookTests
{
    private static readonly (string, string)[] FastRetries =
        [("Rules:Actions:WebhookBackoff", "00:00:00.200"), ("Rules:Actions:WebhookMaxBackoff", "00:00:00.500"), ("Rules:Actions:WebhookRetries", "4")];

    [Fact]
    public async Task A_receiver_that_fails_then_recovers_gets_the_request_by_the_retries_with_one_idempotency_key()
    {
        using var receiver = Receiver.Start(failures: 2, status: 200);
        await using var stack = new RulesStack("webhook", [.. FastRetries, ("Rules:Actions:WebhookGroupId", KafkaFixture.UniqueName("webhooks"))]);
        await stack.RegisterAsync("dev-a");
        await stack.StartAsync();
        await PutAsync(stack, Rule($"http:http://127.0.0.1:{receiver.Port}/hook/${{topic(2)}}"));

        await stack.SendAsync(Of("dev-a", RecentMinute(), 1, ("temperature", 35)));

        var requests = await Eventually.HoldsAsync(() => Task.FromResult(receiver.Requests()), r => r.Any(x => x.Status == 200),
            TimeSpan.FromSeconds(60), "the webhook delivered");
        Assert.Equal([503, 503, 200], requests.Select(r => r.Status));
        Assert.Single(requests.Select(r => r.Key).Distinct());
        Assert.True(Guid.TryParse(requests[0].Key, out _));
        Assert.All(requests, r => Assert.Equal("/hook/dev-a", r.Path));
        Assert.All(requests, r => Assert.Equal("""{"t":35}""", r.Body));
        Assert.StartsWith("application/json", requests[0].Type);
        var metrics = stack.Service!.Services.GetRequiredService<Topology.RulesMetrics>();
        Assert.Equal(1, metrics.Rules.ActionCount("hook", "http", RuleMetrics.Succeeded));
    }

    [Fact]
    public async Task A_receiver_that_keeps_refusing_is_reported_in_iot_rejected_as_RULE_ACTION_FAILED()
    {
        using var receiver = Receiver.Start(failures: 0, status: 404);
        await using var stack = new RulesStack("webhook-fail", [.. FastRetries, ("Rules:Actions:WebhookGroupId", KafkaFixture.UniqueName("webhooks"))]);
        await stack.RegisterAsync("dev-a");
        await stack.StartAsync();
        await PutAsync(stack, Rule($"http:http://127.0.0.1:{receiver.Port}/gone"));

        await stack.SendAsync(Of("dev-a", RecentMinute(), 1, ("temperature", 35)));

        var rejected = await stack.ReadUntilAsync<RejectedMessage>(stack.Topics.Rejected,
            r => r.Any(x => x.Reason == RejectedMessage.Types.Reason.RuleActionFailed), "the failed webhook rejected");
        var failure = rejected.Single(x => x.Reason == RejectedMessage.Types.Reason.RuleActionFailed);
        Assert.Contains("rule 'hook'", failure.Detail);
        Assert.Contains("HTTP 404", failure.Detail);
        Assert.Equal("""{"t":35}""", failure.Payload.ToStringUtf8());
        Assert.Single(receiver.Requests()); // a 404 is final: not retried
    }

    private static RuleDefinition Rule(string action) => new()
    {
        Name = "hook",
        Sql = "SELECT temperature AS t FROM 'devices/+/telemetry' WHERE temperature > 30",
        Actions = [RuleActionParser.Parse(action)],
    };

    private static async Task PutAsync(RulesStack stack, RuleDefinition rule)
    {
        await stack.ProduceAsync(stack.Topics.Rules, rule.Name, RuleDefinitionJson.ToBytes(rule));
        await Eventually.HoldsAsync(() => stack.Service!.Services.GetRequiredService<RuleBook>().Current.TryGet(rule.Name, out _),
            TimeSpan.FromSeconds(30), $"rule {rule.Name} loaded");
    }

    private sealed record Request(int Status, string Key, string Path, string Type, string Body);

    /// <summary>python3 webhook_receiver.py on a free port; its requests read back from its log.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly Process _process;
        private readonly string _log = Path.Combine(Path.GetTempPath(), $"webhook-{Guid.NewGuid():N}.jsonl");

        private Receiver(int failures, int status)
        {
            Port = FreePorts.Next();
            var start = new ProcessStartInfo("python3") { UseShellExecute = false };
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "webhook_receiver.py"), Port.ToString(), _log, failures.ToString(), status.ToString() })
                start.ArgumentList.Add(arg);
            _process = Process.Start(start)!;
        }

        public int Port { get; }

        public static Receiver Start(int failures, int status)
        {
            var receiver = new Receiver(failures, status);
            Eventually.HoldsAsync(() => CanConnect(receiver.Port), TimeSpan.FromSeconds(20), "the receiver listens").GetAwaiter().GetResult();
            return receiver;
        }

        private static bool CanConnect(int port)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient("127.0.0.1", port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }

        public List<Request> Requests() =>
            File.Exists(_log)
                ? File.ReadAllLines(_log).Select(l => JsonSerializer.Deserialize<JsonElement>(l))
                    .Select(e => new Request(e.GetProperty("status").GetInt32(), e.GetProperty("key").GetString() ?? "", e.GetProperty("path").GetString()!,
                        e.GetProperty("type").GetString() ?? "", e.GetProperty("body").GetString()!)).ToList()
                : [];

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
            File.Delete(_log);
        }
    }
}
