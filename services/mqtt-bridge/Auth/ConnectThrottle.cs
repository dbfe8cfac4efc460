using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Pipeline.MqttBridge.Auth;

/// <summary>
/// Counts refused CONNECTs per remote address in one-minute windows. An address over the limit is
/// refused outright (before any credential is checked) until its window ends, which makes guessing
/// tokens or flooding the bridge with bad connects slow and cheap to refuse.
/// </summary>
public sealed class ConnectThrottle(int failuresPerMinute, Func<long>? clock = null)
{
    private static readonly long Window = Stopwatch.Frequency * 60;
    private readonly ConcurrentDictionary<IPAddress, Counter> _counters = new();
    private readonly Func<long> _clock = clock ?? Stopwatch.GetTimestamp;
    private long _nextPrune;

    public bool IsThrottled(IPAddress? address) =>
        address is not null && _counters.TryGetValue(Normalize(address), out var counter) && counter.Count(_clock()) >= failuresPerMinute;

    public void RecordFailure(IPAddress? address)
    {
        if (address is null)
            return;
        var now = _clock();
        _counters.GetOrAdd(Normalize(address), _ => new Counter()).Increment(now);
        if (now >= Volatile.Read(ref _nextPrune))
        {
            Volatile.Write(ref _nextPrune, now + Window);
            foreach (var (key, counter) in _counters)
                if (counter.Count(now) == 0)
                    _counters.TryRemove(new KeyValuePair<IPAddress, Counter>(key, counter));
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private sealed class Counter
    {
        private readonly Lock _lock = new();
        private long _windowStart;
        private int _count;

        public void Increment(long now)
        {
            lock (_lock)
            {
                if (_count == 0 || now - _windowStart >= Window)
                {
                    _windowStart = now;
                    _count = 0;
                }
                _count++;
            }
        }

        public int Count(long now)
        {
            lock (_lock)
                return _count == 0 || now - _windowStart >= Window ? 0 : _count;
        }
    }
}
