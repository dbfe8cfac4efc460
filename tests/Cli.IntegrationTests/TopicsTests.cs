using Pipeline.EmbeddedStack.Kafka;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// `./pipeline topics provision` as an operator runs it. Creating topics needs a broker with the admin API, which the
/// embedded Kafka (librdkafka's mock cluster) lacks: against it the command says so; the plan itself is checked with
/// --dry-run, and the creation and policy report by tests/EmbeddedStack.IntegrationTests as far as the mock allows.
/// </summary>
public sealed class TopicsTests
{
    [Fact]
    public async Task The_plan_compacts_the_changelogs_including_the_processors_and_deletes_the_rest()
    {
        using var home = new CliHome();

        var cli = await CliProcess.RunAsync(home, "topics", "provision", "--dry-run", "--partitions", "12", "--replication-factor", "3", "--min-insync-replicas", "2");

        Assert.True(cli.ExitCode == 0, cli.Stderr);
        var lines = cli.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string Line(string topic) => Assert.Single(lines, l => l.StartsWith(topic + " ", StringComparison.Ordinal));
        foreach (var compacted in new[] { "iot.devices", "iot.shadows", "iot.rules" })
            Assert.Equal($"{compacted} partitions=12 replication=3 cleanup.policy=compact min.insync.replicas=2", Line(compacted));
        Assert.Equal("iot.telemetry.raw partitions=12 replication=3 cleanup.policy=delete min.insync.replicas=2", Line("iot.telemetry.raw"));
        // The processor's state-store changelogs, named by its --list-topics for the default modules.
        var changelogs = lines.Where(l => l.Split(' ')[0].EndsWith("-changelog", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(changelogs);
        Assert.All(changelogs, l => Assert.Contains("cleanup.policy=compact", l));
    }

    [Fact]
    public async Task A_layout_that_cannot_work_is_refused_before_connecting()
    {
        using var home = new CliHome();

        var cli = await CliProcess.RunAsync(home, "topics", "provision", "--replication-factor", "1", "--min-insync-replicas", "2");

        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("--min-insync-replicas must be between 1 and the replication factor 1", cli.Stderr);
    }

    [Fact]
    public async Task Against_the_embedded_Kafka_it_says_that_broker_cannot_create_topics()
    {
        using var home = new CliHome();
        using var cluster = MockKafkaCluster.Start();
        home.Environment["PIPELINE__Kafka__BootstrapServers"] = cluster.BootstrapServers;

        var cli = await CliProcess.RunAsync(home, "topics", "provision", "--replication-factor", "1", "--min-insync-replicas", "1", "--processor", "none");

        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("does not offer the admin API that creates and describes topics", cli.Stderr);
        Assert.Contains($"Provisioning {new Pipeline.Contracts.KafkaTopics().All.Count} topics on {cluster.BootstrapServers}", cli.Stdout);
    }
}
