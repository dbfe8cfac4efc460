using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Pipeline.MqttBridge.Auth;

/// <summary>
/// Counts refused CONNECTs per remote address over a sliding minute: an address with the allowed number of
/// failures within the last 60 s is refused outright (before any credential is checked) until its oldest
/// failure is a minute old. A sliding window, not fixed minutes: fixed windows let twice the limit through
/// around a window boundary. Only the newest <c>failuresPerMinute</c> times are kept per address. Devices
/// that present a valid fleet certificate are not held back (see the callers), since many devices can share
/// one address behind carrier NAT.
/// </summary>
public sealed class ConnectThrottle(int failuresPerMinute, Func<long>? clock = null)
{
    private static readonly long Window = Stopwatch.Frequency * 60;
    private readonly ConcurrentDictionary<IPAddress, Failures> _failures = new();
    private readonly Func<long> _clock = clock ?? Stopwatch.GetTimestamp;
    private long _nextPrune;

    public bool IsThrottled(IPAddress? address) =>
        address is not null && _failures.TryGetValue(Normalize(address), out var failures) && failures.Count(_clock()) >= failuresPerMinute;

    public void RecordFailure(IPAddress? address)
    {
        if (address is null)
            return;
        var now = _clock();
        _failures.GetOrAdd(Normalize(address), _ => new Failures()).Add(now, failuresPerMinute);
        if (now >= Volatile.Read(ref _nextPrune))
        {
            Volatile.Write(ref _nextPrune, now + Window);
            foreach (var (key, failures) in _failures)
                if (failures.Count(now) == 0)
                    _failures.TryRemove(new KeyValuePair<IPAddress, Failures>(key, failures));
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The times of an address's most recent failures, oldest first.</summary>
    private sealed class Failures
    {
        private readonly Lock _lock = new();
        private readonly Queue<long> _times = new();

        public void Add(long now, int keep)
        {
            lock (_lock)
            {
                _times.Enqueue(now);
                while (_times.Count > keep)
                    _times.Dequeue();
            }
        }

        public int Count(long now)
        {
            lock (_lock)
            {
                while (_times.TryPeek(out var oldest) && now - oldest >= Window)
                    _times.Dequeue();
                return _times.Count;
            }
        }
    }
}
