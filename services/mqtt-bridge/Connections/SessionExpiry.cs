using System.Collections.Concurrent;
using MQTTnet.Formatter;

namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// Session Expiry Interval semantics that MQTTnet's server (5.2) leaves out: it keeps a persistent
/// session after the connection closes but never discards it (upstream issue 1756). This class
/// decides how long each session may outlive its connection and tells which ones are past it;
/// <see cref="Hosting.SessionExpirySweeper"/> deletes them from the server.
/// <list type="bullet">
/// <item>MQTT 5: the device's Session Expiry Interval (CONNECT, or a non-zero one in DISCONNECT), at most <c>Limits:MaxSessionExpiry</c>; 0 = the session ends with the connection.</item>
/// <item>MQTT 3.1.1: clean session = false gets <c>Limits:DefaultSessionExpiry</c> (at most the maximum); clean session = true ends with the connection.</item>
/// </list>
/// </summary>
public sealed class SessionExpiry(TimeSpan maximum, TimeSpan mqtt311Default, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    private sealed record Entry(TimeSpan Expiry, DateTimeOffset? DisconnectedAt);

    public TimeSpan Maximum { get; } = maximum;

    /// <summary>How long the session of this CONNECT outlives the connection (<see cref="TimeSpan.Zero"/>: not at all).</summary>
    public TimeSpan Effective(MqttProtocolVersion version, uint requestedSeconds, bool cleanSession) => version switch
    {
        MqttProtocolVersion.V500 => requestedSeconds == 0 ? TimeSpan.Zero : Min(TimeSpan.FromSeconds(requestedSeconds), Maximum),
        _ => cleanSession ? TimeSpan.Zero : Min(mqtt311Default, Maximum),
    };

    /// <summary>The device connected (its session, new or resumed, is live): it cannot expire while connected.</summary>
    /// <remarks>A session that ends with its connection gets no entry (nothing of it outlives the connection, and
    /// <see cref="Disconnected"/> finds none): most connections are such, and each entry costs about 100 bytes.</remarks>
    public void Connected(string deviceId, TimeSpan expiry)
    {
        if (expiry == TimeSpan.Zero)
            _sessions.TryRemove(deviceId, out _); // a session kept from an earlier connection ends with this clean start
        else
            _sessions[deviceId] = new Entry(expiry, null);
    }

    /// <summary>
    /// The device's connection closed. An MQTT 5 DISCONNECT may carry a new interval
    /// (<paramref name="disconnectSeconds"/> &gt; 0); it is capped like the one in CONNECT.
    /// </summary>
    public void Disconnected(string deviceId, uint disconnectSeconds)
    {
        if (!_sessions.TryGetValue(deviceId, out var entry))
            return;
        var expiry = disconnectSeconds > 0 && entry.Expiry > TimeSpan.Zero ? Min(TimeSpan.FromSeconds(disconnectSeconds), Maximum) : entry.Expiry;
        if (expiry == TimeSpan.Zero)
            _sessions.TryRemove(deviceId, out _); // MQTTnet already deleted it with the connection
        else
            _sessions[deviceId] = new Entry(expiry, _clock.GetUtcNow());
    }

    /// <summary>How long the session of a device that left is still kept from now; null when none waits.</summary>
    public TimeSpan? Left(string deviceId) =>
        _sessions.TryGetValue(deviceId, out var entry) && entry.DisconnectedAt is { } at ? entry.Expiry - (_clock.GetUtcNow() - at) : null;

    /// <summary>Devices whose connection closed longer ago than their session's expiry.</summary>
    public IReadOnlyList<string> Due()
    {
        var now = _clock.GetUtcNow();
        return _sessions.Where(s => s.Value.DisconnectedAt is { } at && now - at >= s.Value.Expiry).Select(s => s.Key).ToList();
    }

    /// <summary>Forgets the session once deleted, unless the device connected again in the meantime.</summary>
    public bool Forget(string deviceId) =>
        _sessions.TryGetValue(deviceId, out var entry) && entry.DisconnectedAt is not null
        && _sessions.TryRemove(new KeyValuePair<string, Entry>(deviceId, entry));

    /// <summary>Sessions kept for devices that are not connected.</summary>
    public int Waiting => _sessions.Count(s => s.Value.DisconnectedAt is not null);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
