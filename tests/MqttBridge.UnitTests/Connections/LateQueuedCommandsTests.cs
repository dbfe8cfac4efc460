using Pipeline.MqttBridge.Connections;

namespace Pipeline.MqttBridge.UnitTests.Connections;

public sealed class LateQueuedCommandsTests
{
    private const long Now = 1_000_000;

    [Fact]
    public void A_command_queued_after_the_device_connected_is_taken_once()
    {
        var late = new LateQueuedCommands();
        var session = Session(Queued("c1", Now + 60_000));

        Assert.Equal(["c1"], late.Take("d1", session, Now).Select(q => q.CommandId));
        Assert.Empty(late.Take("d1", session, Now + 10)); // the same record read again, or this instance's echo of it
    }

    [Fact]
    public void Commands_the_session_had_when_the_device_connected_are_never_taken_again()
    {
        var late = new LateQueuedCommands();
        late.HandedOver("d1", ["c1"], Now);

        // An older record of the session comes back after the device connected: c1 was handed over then, c2 is new.
        Assert.Equal(["c2"], late.Take("d1", Session(Queued("c1", Now + 60_000), Queued("c2", Now + 60_000)), Now).Select(q => q.CommandId));
    }

    [Fact]
    public void An_expired_command_is_not_taken_and_other_devices_are_apart()
    {
        var late = new LateQueuedCommands();
        late.HandedOver("d2", ["c2"], Now);

        Assert.Empty(late.Take("d1", Session(Queued("c1", Now - 1)), Now));
        Assert.Equal(["c2"], late.Take("d1", Session(Queued("c2", Now + 60_000)), Now).Select(q => q.CommandId));
    }

    [Fact]
    public void Handed_over_commands_are_forgotten_after_some_minutes()
    {
        var late = new LateQueuedCommands();
        late.HandedOver("d1", ["c1"], Now);
        var muchLater = Now + (long)TimeSpan.FromMinutes(10).TotalMilliseconds;
        late.HandedOver("d2", ["c9"], muchLater); // prunes

        Assert.Equal(["c1"], late.Take("d1", Session(Queued("c1", muchLater + 60_000)), muchLater).Select(q => q.CommandId));
    }

    private static QueuedCommand Queued(string commandId, long expiresAtMs) => new(commandId, [1], 1, null, expiresAtMs);

    private static DurableSession Session(params QueuedCommand[] queued) => new("b", [], 300, null, queued);
}
