using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Ingest;

namespace Pipeline.MqttBridge.Wills;

/// <summary>
/// Publishes a device's last will when its connection ends without a DISCONNECT (or with MQTT 5 DISCONNECT 0x04
/// "with Will Message"), after its MQTT 5 Will Delay Interval; a reconnect of the device within the delay cancels
/// it. The will goes through the same path as a publish of the device on that topic (PublishIngest.IngestWill).
/// Pending wills live in this instance's memory: a bridge that stops first does not publish them.
/// </summary>
public sealed class WillPublisher(PublishIngest ingest, ILogger<WillPublisher> logger)
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _pending = new(StringComparer.Ordinal);

    public int Pending => _pending.Count;

    public void Schedule(string deviceId, WillMessage will)
    {
        if (will.DelaySeconds == 0)
        {
            Publish(deviceId, will);
            return;
        }
        // Not disposed: Cancel may race with the delay's end, and a source without a timer or wait handle holds nothing.
        var cancel = new CancellationTokenSource();
        if (_pending.TryRemove(deviceId, out var earlier))
            earlier.Cancel();
        _pending[deviceId] = cancel;
        _ = Task.Delay(TimeSpan.FromSeconds(will.DelaySeconds), cancel.Token).ContinueWith(t =>
        {
            if (t.IsCanceled)
                return;
            _pending.TryRemove(new KeyValuePair<string, CancellationTokenSource>(deviceId, cancel));
            Publish(deviceId, will);
        }, TaskScheduler.Default);
    }

    /// <summary>The device is back: a will waiting for its delay is not published (MQTT 5 3.1.3.2.2).</summary>
    public void Cancel(string deviceId)
    {
        if (_pending.TryRemove(deviceId, out var pending))
        {
            pending.Cancel();
            logger.LogDebug("Will of {DeviceId} cancelled: it reconnected within the will delay", deviceId);
        }
    }

    private void Publish(string deviceId, WillMessage will)
    {
        BridgeMetrics.WillsPublished.Inc();
        logger.LogDebug("Publishing the will of {DeviceId} on {Topic}", deviceId, will.Topic);
        ingest.IngestWill(deviceId, will.ToPublish());
    }
}
