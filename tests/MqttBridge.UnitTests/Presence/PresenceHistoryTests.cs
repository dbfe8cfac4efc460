using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.UnitTests.Presence;

public sealed class PresenceHistoryTests
{
    private const long Now = 1_000_000;

    [Fact]
    public void The_record_in_force_at_a_time_is_the_last_written_whose_event_is_not_later()
    {
        var history = new PresenceHistory();
        var atA = Connected("a", 100);
        var atB = Connected("b", 200);
        history.Changed("d1", null, atA, 100, Now);
        history.Changed("d1", atA, atB, 200, Now);
        history.Changed("d1", atB, null, 300, Now); // left without a session

        Assert.Equal(new DevicePresence?[] { null, atA, atA, atB, null },
            new long[] { 99, 100, 199, 250, 300 }.Select(t => AsOf(history, "d1", t)));
    }

    [Fact]
    public void Before_its_first_kept_change_a_device_has_the_record_it_had_then()
    {
        var history = new PresenceHistory();
        var atA = Connected("a", 100);
        history.Changed("d1", atA, Connected("b", 500), 500, Now);

        Assert.Equal(atA, AsOf(history, "d1", 400));
        Assert.False(history.TryGetAsOf("d2", 400, out _), "a device without a kept change has none to give");
    }

    [Fact]
    public void Changes_older_than_the_window_are_forgotten()
    {
        var history = new PresenceHistory();
        history.Changed("d1", null, Connected("a", 100), 100, Now);
        var later = Now + (long)PresenceHistory.Window.TotalMilliseconds + 10_000;
        history.Changed("d2", null, Connected("a", later), later, later);

        Assert.False(history.TryGetAsOf("d1", 100, out _));
        Assert.True(history.TryGetAsOf("d2", later, out _));
        Assert.Equal(1, history.Count);
    }

    [Fact]
    public void A_device_that_keeps_changing_keeps_only_its_last_changes()
    {
        var history = new PresenceHistory();
        DevicePresence? previous = null;
        for (var i = 1; i <= 100; i++)
        {
            var current = Connected(i % 2 == 0 ? "a" : "b", i);
            history.Changed("d1", previous, current, i, Now);
            previous = current;
        }

        Assert.Equal(previous, AsOf(history, "d1", 100));
        Assert.Equal(Connected("a", 98), AsOf(history, "d1", 98));
        // Long before what is kept: the oldest kept record stands for all that came before it.
        Assert.NotNull(AsOf(history, "d1", 1));
    }

    [Fact]
    public void The_event_time_is_the_connect_the_disconnect_or_for_a_tombstone_when_it_was_written()
    {
        Assert.Equal(100, PresenceHistory.EventTimeOf(Connected("a", 100), 150));
        Assert.Equal(300, PresenceHistory.EventTimeOf(new DevicePresence("a", "c", 100, false, true, 60, 300), 350));
        Assert.Equal(350, PresenceHistory.EventTimeOf(null, 350));
    }

    private static DevicePresence Connected(string instance, long sinceMs) => new(instance, $"c{sinceMs}", sinceMs, true, false, 0, null);

    private static DevicePresence? AsOf(PresenceHistory history, string deviceId, long asOfMs)
    {
        Assert.True(history.TryGetAsOf(deviceId, asOfMs, out var presence));
        return presence;
    }
}
