using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pipeline.MqttBridge.Ingest;

/// <summary>
/// One token bucket per device: it refills at the device's rate and holds up to rate x burst
/// seconds of tokens. Buckets are kept per device id (not per connection), so reconnecting does not
/// refill them; buckets that have been full for a while are dropped to keep memory bounded.
/// </summary>
public sealed class TokenBucketRateLimiter(double burstSeconds, Func<long>? clock = null)
{
    private static readonly long IdleTicks = Stopwatch.Frequency * 60;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Func<long> _clock = clock ?? Stopwatch.GetTimestamp;
    private long _nextPrune;

    public int TrackedDevices => _buckets.Count;

    /// <summary>Takes one token for <paramref name="deviceId"/>; false when the device is over <paramref name="ratePerSecond"/>.</summary>
    public bool TryTake(string deviceId, double ratePerSecond)
    {
        var now = _clock();
        var capacity = Math.Max(1, ratePerSecond * burstSeconds);
        var bucket = _buckets.GetOrAdd(deviceId, static (_, state) => new Bucket(state.capacity, state.now), (capacity, now));
        var taken = bucket.TryTake(ratePerSecond, capacity, now);
        if (now >= Volatile.Read(ref _nextPrune))
            Prune(now);
        return taken;
    }

    private void Prune(long now)
    {
        Volatile.Write(ref _nextPrune, now + IdleTicks);
        foreach (var (id, bucket) in _buckets)
            if (bucket.IdleSince(now) > IdleTicks)
                _buckets.TryRemove(new KeyValuePair<string, Bucket>(id, bucket));
    }

    private sealed class Bucket(double tokens, long lastTicks)
    {
        private readonly Lock _lock = new();
        private double _tokens = tokens;
        private long _lastTicks = lastTicks;

        public bool TryTake(double ratePerSecond, double capacity, long now)
        {
            lock (_lock)
            {
                var elapsed = (double)(now - _lastTicks) / Stopwatch.Frequency;
                _lastTicks = now;
                _tokens = Math.Min(capacity, _tokens + elapsed * ratePerSecond);
                if (_tokens < 1)
                    return false;
                _tokens -= 1;
                return true;
            }
        }

        public long IdleSince(long now)
        {
            lock (_lock)
                return now - _lastTicks;
        }
    }
}
