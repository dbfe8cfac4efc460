using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.DeviceRegistry;

/// <summary>
/// A live in-memory view of the compacted registry topic. It assigns itself every partition from
/// the beginning (no consumer group membership, nothing committed), so every bridge instance sees
/// every device; it is <see cref="IsReady"/> once each partition reached its end for the first
/// time, and keeps following the topic so a revoke reaches every instance within seconds.
/// </summary>
public sealed class DeviceRegistryView : IDisposable
{
    private readonly ConcurrentDictionary<string, DeviceRecord> _devices = new(StringComparer.Ordinal);
    // Ids seen revoked, kept after a deletion: a replayed record from before the revocation must not bring the device back.
    private readonly ConcurrentDictionary<string, byte> _revoked = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly CompactedTopicFollower _follower;
    private readonly object _roundLock = new();
    private CatchUpRound? _round;
    private readonly ILogger _logger;
    private Thread? _thread;

    public DeviceRegistryView(KafkaClientFactory kafka, string topic = "iot.devices", ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        _logger = logger ?? NullLogger.Instance;
        _follower = new CompactedTopicFollower(kafka, topic, "device-registry-view", _logger, asksEnds: true);
    }

    /// <summary>Raised (on the view's thread) when a device is revoked or deleted; the bridge closes its sessions.</summary>
    public event Action<DeviceRecord>? DeviceRevoked;

    public bool IsReady => _ready.Task.IsCompleted;

    public int Count => _devices.Count;

    /// <summary>Why the view is not ready yet, for /healthz.</summary>
    public string Status => _follower.Status;

    public void Start()
    {
        if (_thread is not null)
            throw new InvalidOperationException("The registry view is already started.");
        _thread = new Thread(Run) { IsBackground = true, Name = "device-registry-view" };
        _thread.Start();
    }

    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken) =>
        await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

    public bool TryGet(string deviceId, out DeviceRecord record) => _devices.TryGetValue(deviceId, out record!);

    /// <summary>
    /// Waits until this view has read every record written to the registry before the call: a device registered
    /// (or given a new token) a moment ago, whose CONNECT came faster than the record reached this view. False
    /// when that did not happen within <paramref name="timeout"/>. Callers arriving while a round has not asked
    /// Kafka for the ends yet share it, so a burst of refused connects costs one request.
    /// </summary>
    public Task<bool> CatchUpAsync(TimeSpan timeout)
    {
        lock (_roundLock)
        {
            if (_round is { Asked: false } pending)
                return pending.Done.Task;
            var round = _round = new CatchUpRound();
            _ = Task.Run(() => RunRoundAsync(round, timeout));
            return round.Done.Task;
        }
    }

    private async Task RunRoundAsync(CatchUpRound round, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_roundLock)
            round.Asked = true;
        var ends = await _follower.EndsNowAsync(timeout).ConfigureAwait(false);
        while (ends is not null && !_follower.HasRead(ends) && DateTime.UtcNow < deadline)
            await Task.Delay(5).ConfigureAwait(false);
        var caughtUp = ends is not null && _follower.HasRead(ends);
        if (!caughtUp)
            _logger.LogWarning("Registry catch-up did not finish within {Timeout}: {Why}; a device registered a moment ago may be refused once", timeout,
                ends is null ? "Kafka did not say where the registry ends" : "the view had not read up to the registry's end");
        round.Done.TrySetResult(caughtUp);
    }

    private sealed class CatchUpRound
    {
        public bool Asked;
        public readonly TaskCompletionSource<bool> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public IReadOnlyList<DeviceRecord> Snapshot() => _devices.Values.OrderBy(d => d.DeviceId, StringComparer.Ordinal).ToList();

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private void Run()
    {
        try
        {
            _follower.Run(Apply, MarkReady, _stop.Token);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Device registry view stopped on an unexpected error");
            _ready.TrySetException(e);
        }
    }

    private string MarkReady()
    {
        _logger.LogInformation("Device registry view caught up: {Count} devices", _devices.Count);
        _ready.TrySetResult();
        return $"ready ({_devices.Count} devices)";
    }

    private void Apply(ConsumeResult<string?, byte[]?> result)
    {
        var key = result.Message.Key;
        if (string.IsNullOrEmpty(key))
        {
            _logger.LogWarning("Device registry record at {Offset} has no key; skipped", result.TopicPartitionOffset);
            return;
        }
        if (result.Message.Value is null)
        {
            if (_devices.TryRemove(key, out var removed))
                Raise(removed);
            return;
        }
        DeviceRecord record;
        try
        {
            record = ProtobufDeserializer<DeviceRecord>.Decode(result.Message.Value);
        }
        catch (WireFormatException e)
        {
            _logger.LogWarning("Device registry record for {DeviceId} at {Offset} is unreadable ({Error}); skipped", key, result.TopicPartitionOffset, e.Message);
            return;
        }
        _devices.TryGetValue(key, out var previous);
        if (StaleReason(key, previous, record) is { } stale)
        {
            // Any local user can write to the embedded Kafka (it cannot authenticate clients): a registry record
            // read back from the topic and written again must not bring back what it said then.
            _logger.LogWarning("Device registry record for {DeviceId} at {Offset} ignored: {Reason}", key, result.TopicPartitionOffset, stale);
            return;
        }
        _devices[key] = record;
        if (record.Revoked)
            _revoked.TryAdd(key, 0);
        if (record.Revoked && previous is not { Revoked: true })
            Raise(record);
    }

    /// <summary>
    /// Why <paramref name="next"/> cannot follow <paramref name="current"/> for one device, or null when it can. A revocation
    /// is final (the registry client never un-revokes: a revoked id cannot be added again), also across a deletion, and a
    /// record older than the one held (by its last change) is a replay.
    /// </summary>
    private string? StaleReason(string deviceId, DeviceRecord? current, DeviceRecord next)
    {
        if (!next.Revoked && _revoked.ContainsKey(deviceId))
            return "the device was revoked, and a revocation is never undone";
        if (current is not null && LastChange(next) < LastChange(current))
            return $"older than the record held (changed {LastChange(next)} < {LastChange(current)} ms)";
        return null;
    }

    private static long LastChange(DeviceRecord r) => Math.Max(r.UpdatedTsMs, Math.Max(r.RevokedTsMs, r.CreatedTsMs));

    private void Raise(DeviceRecord record)
    {
        try
        {
            DeviceRevoked?.Invoke(record);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "A DeviceRevoked handler failed for {DeviceId}", record.DeviceId);
        }
    }
}
