using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Contracts;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.ServiceDefaults.Kafka.Topics;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>
/// Topic provisioning and the services' start-up topic check against the embedded Kafka, as far as its API allows.
/// librdkafka's mock cluster (2.16) answers metadata, so which topics exist is checked here for real. It has no
/// CreateTopics, DescribeConfigs or IncrementalAlterConfigs: asked for a broker's configuration it answers at once
/// "DescribeConfigs (KIP-133) not supported by broker"; asked for a topic's configuration or to create a topic it
/// never names a controller, and librdkafka times out ("Failed while waiting for controller"). So creating topics,
/// reading and fixing cleanup.policy need a real broker (the unit tests check the plan and the verdicts).
/// </summary>
public sealed class TopicProvisioningMockTests
{
    private static readonly KafkaTopics Topics = new();

    [Fact]
    public async Task The_check_passes_when_every_needed_topic_exists_and_says_it_could_not_read_the_policy()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopics([Topics.Devices, Topics.TelemetryRaw], partitions: 1);
        var lines = new List<string>();
        var watch = Stopwatch.StartNew();

        await KafkaTopicCheck.VerifyAsync(Factory(cluster), TopicNeed.Existing(Topics, [Topics.Devices, Topics.TelemetryRaw]).ToList(),
            TimeSpan.FromSeconds(15), new ListLogger(lines));

        // The mock's missing DescribeConfigs is found at once, not after the request timeout of each topic.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the check took {watch.Elapsed.TotalSeconds:0.0} s");
        var warning = Assert.Single(lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Contains($"did not describe the settings of {Topics.Devices}", warning);
        Assert.Contains("not supported by broker", warning);
        Assert.DoesNotContain(Topics.TelemetryRaw, warning); // not a changelog: its policy is not asked for
    }

    [Fact]
    public async Task A_missing_topic_fails_the_check_naming_the_topic_and_the_provision_command()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic(Topics.TelemetryRaw, partitions: 1);

        var e = await Assert.ThrowsAsync<KafkaTopicsException>(() => KafkaTopicCheck.VerifyAsync(Factory(cluster),
            TopicNeed.Existing(Topics, [Topics.TelemetryRaw, Topics.Devices]).ToList(), TimeSpan.FromSeconds(15), NullLogger.Instance));

        Assert.Contains($"Kafka topic '{Topics.Devices}' does not exist", e.Message);
        Assert.Contains("./pipeline topics provision", e.Message);
        Assert.DoesNotContain(Topics.TelemetryRaw, e.Message);
    }

    [Fact]
    public async Task A_service_whose_topic_is_missing_exits_78_before_its_own_parts_start()
    {
        using var cluster = MockKafkaCluster.Start();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = cluster.BootstrapServers });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddKafkaClients("topic-check-test");
        builder.Services.AddTopicNeeds(_ => TopicNeed.Existing(Topics, [Topics.Shadows]));
        var started = false;
        builder.Services.AddHostedService(_ => new Marker(() => started = true));
        await using var app = builder.Build();
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        int code;
        try
        {
            code = await app.RunServiceAsync();
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(ServiceRun.ConfigurationErrorExitCode, code);
        Assert.Contains($"Configuration refused: Kafka topic '{Topics.Shadows}' does not exist", stderr.ToString());
        Assert.False(started, "a hosted service registered after the check started although its topic is missing");
    }

    [Fact]
    public async Task Provisioning_against_a_broker_without_the_admin_API_says_so_at_once()
    {
        using var cluster = MockKafkaCluster.Start();
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<KafkaTopicsException>(() => TopicProvisioner.ProvisionAsync(Factory(cluster),
            TopicPlan.Create(Topics, [], new TopicLayout(1, 1, 1)), fixConfig: false, _ => { }, TimeSpan.FromSeconds(15)));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the refusal took {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains("does not offer the admin API that creates and describes topics", e.Message);
        Assert.Contains("not supported by broker", e.Message);
    }

    private static KafkaClientFactory Factory(MockKafkaCluster cluster) =>
        new(new KafkaOptions { BootstrapServers = cluster.BootstrapServers }, "topic-test");

    private sealed class Marker(Action onStart) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            onStart();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
                lines.Add($"{logLevel} {formatter(state, exception)}");
        }
    }
}
