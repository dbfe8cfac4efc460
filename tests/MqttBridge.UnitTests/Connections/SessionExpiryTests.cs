using MQTTnet.Formatter;
using Pipeline.MqttBridge.Connections;

namespace Pipeline.MqttBridge.UnitTests.Connections;

public sealed class SessionExpiryTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Theory]
    [InlineData(0u, 0)]            // absent or 0: the session ends with the connection
    [InlineData(30u, 30)]          // honoured
    [InlineData(3600u, 3600)]
    [InlineData(7200u, 3600)]      // cut to the maximum
    [InlineData(uint.MaxValue, 3600)] // "never expires" too
    public void Mqtt5_intervals_are_honoured_up_to_the_maximum(uint requested, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), new SessionExpiry(Hour, Hour).Effective(MqttProtocolVersion.V500, requested, cleanSession: false));

    [Fact]
    public void Mqtt311_persistent_sessions_get_the_default_and_clean_ones_none()
    {
        var expiry = new SessionExpiry(Hour, TimeSpan.FromMinutes(10));
        Assert.Equal(TimeSpan.FromMinutes(10), expiry.Effective(MqttProtocolVersion.V311, 0, cleanSession: false));
        Assert.Equal(TimeSpan.Zero, expiry.Effective(MqttProtocolVersion.V311, 0, cleanSession: true));
        Assert.Equal(TimeSpan.FromMinutes(5), new SessionExpiry(TimeSpan.FromMinutes(5), Hour).Effective(MqttProtocolVersion.V311, 0, cleanSession: false));
    }

    [Fact]
    public void A_session_is_due_only_once_its_device_has_been_away_for_its_expiry()
    {
        var clock = new Clock();
        var expiry = new SessionExpiry(Hour, Hour, clock);
        expiry.Connected("a", TimeSpan.FromSeconds(60));
        clock.Now += TimeSpan.FromHours(2);
        Assert.Empty(expiry.Due()); // connected: never due
        expiry.Disconnected("a", 0);
        clock.Now += TimeSpan.FromSeconds(59);
        Assert.Empty(expiry.Due());
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(["a"], expiry.Due());
        Assert.True(expiry.Forget("a"));
        Assert.Empty(expiry.Due());
    }

    [Fact]
    public void Reconnecting_before_the_expiry_keeps_the_session_and_a_disconnect_interval_replaces_the_connect_one()
    {
        var clock = new Clock();
        var expiry = new SessionExpiry(Hour, Hour, clock);
        expiry.Connected("a", TimeSpan.FromSeconds(60));
        expiry.Disconnected("a", 0);
        clock.Now += TimeSpan.FromSeconds(30);
        expiry.Connected("a", TimeSpan.FromSeconds(60));
        clock.Now += TimeSpan.FromSeconds(60);
        Assert.Empty(expiry.Due());
        Assert.False(expiry.Forget("a"), "a connected device's session is not forgotten");

        expiry.Disconnected("a", 10); // MQTT 5 DISCONNECT with a Session Expiry Interval of 10 s
        clock.Now += TimeSpan.FromSeconds(10);
        Assert.Equal(["a"], expiry.Due());
    }

    [Fact]
    public void A_session_without_expiry_is_not_tracked_after_the_connection()
    {
        var clock = new Clock();
        var expiry = new SessionExpiry(Hour, Hour, clock);
        expiry.Connected("a", TimeSpan.Zero);
        expiry.Disconnected("a", 0);
        clock.Now += TimeSpan.FromDays(1);
        Assert.Empty(expiry.Due());
        Assert.Equal(0, expiry.Waiting);
    }

    [Fact]
    public void A_clean_start_ends_the_session_kept_from_an_earlier_connection()
    {
        var clock = new Clock();
        var expiry = new SessionExpiry(Hour, Hour, clock);
        expiry.Connected("a", TimeSpan.FromSeconds(60));
        expiry.Disconnected("a", 0);
        Assert.Equal(1, expiry.Waiting);

        expiry.Connected("a", TimeSpan.Zero); // back with a clean session: nothing of the old one is kept
        Assert.Equal(0, expiry.Waiting);
        Assert.Null(expiry.Left("a"));
        expiry.Disconnected("a", 30); // an MQTT 5 DISCONNECT cannot give a session that ended a new interval
        clock.Now += TimeSpan.FromHours(2);
        Assert.Empty(expiry.Due());
        Assert.Null(expiry.Left("a"));
    }
}
