using System.Collections.Concurrent;
using System.Threading.Channels;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;

namespace Pipeline.MqttBridge.Auth;

/// <summary>
/// Rewrites registry records whose token is still a legacy PBKDF2 hash in the keyed form, after the device proved its
/// token (see <see cref="TokenVerificationCache"/>), so each device pays the slow hash at most once. Writes go to the
/// registry topic in batches through <see cref="DeviceRegistryClient"/> (the registry's only writer type), off the
/// CONNECT path. A record is written only while it is still the one the token was checked against (the view holds
/// the same object): a record changed meanwhile (revoked, a new token) is left alone. Every bridge may rewrite the
/// same device; the records are equal but for their change time, and the views take either.
/// </summary>
public sealed class TokenHashUpgrader(DeviceRegistryView registry, DeviceRegistryClient writer, ILogger<TokenHashUpgrader> logger) : BackgroundService
{
    private const int MaxBatch = 500;
    private readonly Channel<(DeviceRecord Current, DeviceRecord.Types.TokenHash Keyed)> _queue =
        Channel.CreateBounded<(DeviceRecord, DeviceRecord.Types.TokenHash)>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private long _upgraded;

    /// <summary>Records rewritten in the keyed form by this instance since its start.</summary>
    public long Upgraded => Interlocked.Read(ref _upgraded);

    /// <summary>Queues a rewrite of <paramref name="current"/> with <paramref name="keyed"/>; a device already queued is not queued twice.</summary>
    public void Enqueue(DeviceRecord current, DeviceRecord.Types.TokenHash keyed)
    {
        if (_pending.TryAdd(current.DeviceId, 0) && !_queue.Writer.TryWrite((current, keyed)))
            _pending.TryRemove(current.DeviceId, out _); // full: the device's next connect queues it again
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(DeviceRecord Current, DeviceRecord.Types.TokenHash Keyed)>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                    if (registry.TryGet(item.Current.DeviceId, out var held) && ReferenceEquals(held, item.Current) && !held.Revoked)
                        batch.Add(item);
                    else
                        _pending.TryRemove(item.Current.DeviceId, out _);
                if (batch.Count > 0)
                    await WriteAsync(batch, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WriteAsync(List<(DeviceRecord Current, DeviceRecord.Types.TokenHash Keyed)> batch, CancellationToken stoppingToken)
    {
        try
        {
            var written = await writer.UpgradeTokenHashesAsync(batch, stoppingToken).ConfigureAwait(false);
            Interlocked.Add(ref _upgraded, written.Count);
            logger.LogInformation("Rewrote {Count} registry records with a keyed token hash (first: {DeviceId})", written.Count, batch[0].Current.DeviceId);
        }
        catch (DeviceRegistryException e)
        {
            // Nothing is lost: those devices still verify (slowly once per bridge start) and are queued again at their next connect.
            logger.LogWarning("Could not rewrite {Count} registry records with a keyed token hash: {Error}", batch.Count, e.Message);
        }
        finally
        {
            foreach (var (current, _) in batch)
                _pending.TryRemove(current.DeviceId, out _);
        }
    }
}
