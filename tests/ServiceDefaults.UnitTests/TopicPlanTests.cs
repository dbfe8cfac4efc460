using Confluent.Kafka;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults.Kafka.Topics;

namespace Pipeline.ServiceDefaults.UnitTests;

/// <summary>The topic plan (what `./pipeline topics provision` creates) and the start-up check's verdicts, from given broker answers.</summary>
public sealed class TopicPlanTests
{
    private static readonly KafkaTopics Topics = new();

    [Fact]
    public void Every_changelog_topic_is_compacted_and_every_other_topic_deletes()
    {
        var plan = TopicPlan.Create(Topics, ["rules-processor-dedupe-store-changelog"], new TopicLayout(12, 3, 2));

        Assert.Equal(Topics.All.Count + 1, plan.Count);
        foreach (var spec in plan)
        {
            var changelog = Topics.Compacted.Contains(spec.Name) || spec.Name.EndsWith("-changelog", StringComparison.Ordinal);
            Assert.Equal(changelog ? "compact" : "delete", spec.CleanupPolicy);
            Assert.Equal("2", spec.Configs["min.insync.replicas"]);
            Assert.Equal(12, spec.Partitions);
            Assert.Equal(3, spec.ReplicationFactor);
        }
        Assert.Equal("compact", plan.Single(s => s.Name == "iot.devices").CleanupPolicy);
        Assert.Equal("delete", plan.Single(s => s.Name == "iot.telemetry.raw").CleanupPolicy);
    }

    [Fact]
    public void A_topic_renamed_by_configuration_keeps_its_policy()
    {
        var topics = new KafkaTopics { Devices = "fleet-a.devices" };

        var plan = TopicPlan.Create(topics, [], new TopicLayout());

        Assert.Equal("compact", plan.Single(s => s.Name == "fleet-a.devices").CleanupPolicy);
        Assert.DoesNotContain(plan, s => s.Name == "iot.devices");
    }

    [Theory]
    [InlineData(0, 1, 1, "--partitions")]
    [InlineData(3, 0, 1, "--replication-factor")]
    [InlineData(3, 1, 2, "--min-insync-replicas")]
    public void A_layout_that_cannot_work_is_refused_naming_the_option(int partitions, short replication, int minInsync, string option)
    {
        var problem = Assert.Single(new TopicLayout(partitions, replication, minInsync).Problems());
        Assert.StartsWith(option, problem);
    }

    [Theory]
    [InlineData("compact", true)]
    [InlineData("compact,delete", true)]
    [InlineData("delete, compact", true)]
    [InlineData("delete", false)]
    [InlineData(null, false)]
    public void Compaction_is_read_from_the_policy_list(string? policy, bool compacts) =>
        Assert.Equal(compacts, TopicSettings.Compacts(policy));

    [Fact]
    public void A_changelog_on_delete_retention_is_refused_naming_the_topic_and_the_setting()
    {
        var needs = TopicNeed.Existing(Topics, [Topics.Devices, Topics.TelemetryRaw]).ToList();
        var states = new[]
        {
            State(Topics.Devices, "delete"),
            State(Topics.TelemetryRaw, "delete"),
        };

        var problem = Assert.Single(KafkaTopicCheck.Problems(needs, states, out var unchecked_));

        Assert.Contains("Kafka topic 'iot.devices' has cleanup.policy=delete", problem);
        Assert.Contains("needs cleanup.policy=compact", problem);
        Assert.Contains("--fix-config", problem);
        Assert.Empty(unchecked_);
    }

    [Fact]
    public void Compacted_changelogs_pass_and_an_unreadable_policy_is_only_reported_unless_access_was_denied()
    {
        var needs = TopicNeed.Existing(Topics, [Topics.Devices, Topics.Shadows, Topics.Rules]).ToList();
        var states = new[]
        {
            State(Topics.Devices, "compact"),
            new TopicState(Topics.Shadows, true, 1, new Dictionary<string, string>(), new Error(ErrorCode.Local_UnsupportedFeature, "not supported by broker")),
            new TopicState(Topics.Rules, true, 1, new Dictionary<string, string>(), new Error(ErrorCode.TopicAuthorizationFailed, "denied")),
        };

        var problem = Assert.Single(KafkaTopicCheck.Problems(needs, states, out var unchecked_));

        Assert.Contains("Kafka topic 'iot.rules': this service may not read its cleanup.policy", problem);
        Assert.Contains("DescribeConfigs", problem);
        Assert.Equal(Topics.Shadows, Assert.Single(unchecked_).Name);
    }

    [Fact]
    public void A_topic_that_something_else_creates_may_be_missing_but_not_wrong()
    {
        TopicNeed[] needs = [new("app-store-changelog", MustExist: false, MustCompact: true), new("other-store-changelog", MustExist: false, MustCompact: true)];
        var states = new[] { new TopicState("app-store-changelog", false, 0, new Dictionary<string, string>(), null), State("other-store-changelog", "delete") };

        var problem = Assert.Single(KafkaTopicCheck.Problems(needs, states, out _));

        Assert.Contains("'other-store-changelog' has cleanup.policy=delete", problem);
    }

    private static TopicState State(string name, string policy) =>
        new(name, true, 1, new Dictionary<string, string> { ["cleanup.policy"] = policy }, null);
}
