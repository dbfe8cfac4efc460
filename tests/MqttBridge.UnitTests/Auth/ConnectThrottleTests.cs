using System.Diagnostics;
using System.Net;
using Pipeline.MqttBridge.Auth;

namespace Pipeline.MqttBridge.UnitTests.Auth;

public class ConnectThrottleTests
{
    private long _now = 1_000_000;

    [Fact]
    public void An_address_is_throttled_after_the_allowed_failures_for_the_rest_of_the_minute()
    {
        var throttle = new ConnectThrottle(3, () => _now);
        var attacker = IPAddress.Parse("10.0.0.1");
        for (var i = 0; i < 3; i++)
        {
            Assert.False(throttle.IsThrottled(attacker));
            throttle.RecordFailure(attacker);
        }
        Assert.True(throttle.IsThrottled(attacker));
        Assert.False(throttle.IsThrottled(IPAddress.Parse("10.0.0.2")));
        _now += Stopwatch.Frequency * 61;
        Assert.False(throttle.IsThrottled(attacker));
    }

    [Fact]
    public void Ipv4_mapped_addresses_count_as_the_ipv4_address()
    {
        var throttle = new ConnectThrottle(1, () => _now);
        throttle.RecordFailure(IPAddress.Parse("10.0.0.1").MapToIPv6());
        Assert.True(throttle.IsThrottled(IPAddress.Parse("10.0.0.1")));
    }
}

public class ConnectThrottleSlidingWindowTests
{
    private long _now = 1_000_000;

    [Fact]
    public void Failures_either_side_of_a_minute_boundary_count_together()
    {
        // A fixed window would reset at the boundary and let 2 x 3 failures through within a few seconds.
        var throttle = new ConnectThrottle(3, () => _now);
        var address = IPAddress.Parse("10.0.0.1");
        _now += Stopwatch.Frequency * 58;
        throttle.RecordFailure(address);
        throttle.RecordFailure(address);
        _now += Stopwatch.Frequency * 3;
        throttle.RecordFailure(address);
        Assert.True(throttle.IsThrottled(address));
        // The two oldest failures leave the window 60 s after they happened; then two more attempts are allowed.
        _now += Stopwatch.Frequency * 56;
        Assert.True(throttle.IsThrottled(address));
        _now += Stopwatch.Frequency * 2;
        Assert.False(throttle.IsThrottled(address));
        throttle.RecordFailure(address);
        Assert.False(throttle.IsThrottled(address));
        throttle.RecordFailure(address);
        Assert.True(throttle.IsThrottled(address));
    }
}
