using Confluent.Kafka;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Commands;

namespace Pipeline.MqttBridge.UnitTests.Commands;

public class CommandExpiryAndOutcomeLogTests
{
    private static readonly TimeSpan Default = TimeSpan.FromMinutes(10);

    [Fact]
    public void A_command_s_own_expiry_wins()
    {
        var command = new DeviceCommand { CreatedTsMs = 1_000, ExpiresTsMs = 5_000 };
        Assert.Equal(5_000, CommandDelivery.ExpiresAt(command, new Timestamp(2_000, TimestampType.CreateTime), Default));
    }

    [Fact]
    public void Without_one_it_expires_the_default_after_it_was_created()
    {
        var command = new DeviceCommand { CreatedTsMs = 1_000 };
        Assert.Equal(1_000 + 600_000, CommandDelivery.ExpiresAt(command, new Timestamp(2_000, TimestampType.CreateTime), Default));
    }

    [Fact]
    public void A_record_without_a_creation_time_counts_from_kafka_s_timestamp()
    {
        Assert.Equal(2_000 + 600_000, CommandDelivery.ExpiresAt(new DeviceCommand(), new Timestamp(2_000, TimestampType.CreateTime), Default));
    }

    [Fact]
    public void The_outcome_log_keeps_outcomes_in_order_and_forgets_the_oldest_commands_first()
    {
        var log = new CommandOutcomeLog(capacity: 2);
        var at = DateTimeOffset.UnixEpoch;
        log.Add("a", new CommandOutcome("d", "accepted", null, "b1", at));
        log.Add("a", new CommandOutcome("d", "sent", null, "b1", at));
        log.Add("b", new CommandOutcome("d", "offline", null, "b1", at));
        Assert.Equal(["accepted", "sent"], log.Of("a")!.Select(o => o.Outcome));
        log.Add("c", new CommandOutcome("d", "expired", null, "b1", at));
        Assert.Null(log.Of("a"));
        Assert.NotNull(log.Of("b"));
        Assert.NotNull(log.Of("c"));
    }
}
