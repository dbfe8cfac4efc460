using System.Diagnostics;
using Pipeline.MqttBridge.Ingest;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class TokenBucketRateLimiterTests
{
    private long _now = 1_000_000;

    private void Advance(double seconds) => _now += (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public void A_full_bucket_allows_one_second_of_rate_then_refuses()
    {
        var limiter = new TokenBucketRateLimiter(burstSeconds: 1, () => _now);
        var allowed = Enumerable.Range(0, 15).Count(_ => limiter.TryTake("d", 10));
        Assert.Equal(10, allowed);
    }

    [Fact]
    public void Tokens_come_back_at_the_rate()
    {
        var limiter = new TokenBucketRateLimiter(1, () => _now);
        while (limiter.TryTake("d", 10)) { }
        Advance(0.5);
        Assert.Equal(5, Enumerable.Range(0, 10).Count(_ => limiter.TryTake("d", 10)));
    }

    [Fact]
    public void Devices_have_separate_buckets_and_rates()
    {
        var limiter = new TokenBucketRateLimiter(1, () => _now);
        Assert.Equal(2, Enumerable.Range(0, 5).Count(_ => limiter.TryTake("slow", 2)));
        Assert.Equal(5, Enumerable.Range(0, 5).Count(_ => limiter.TryTake("fast", 100)));
    }

    [Fact]
    public void A_rate_below_one_per_second_still_allows_a_first_message()
    {
        var limiter = new TokenBucketRateLimiter(1, () => _now);
        Assert.True(limiter.TryTake("d", 0.1));
        Assert.False(limiter.TryTake("d", 0.1));
        Advance(10);
        Assert.True(limiter.TryTake("d", 0.1));
    }

    [Fact]
    public void Idle_buckets_are_forgotten()
    {
        var limiter = new TokenBucketRateLimiter(1, () => _now);
        limiter.TryTake("a", 1);
        Advance(120);
        limiter.TryTake("b", 1);
        Assert.Equal(1, limiter.TrackedDevices);
    }
}
