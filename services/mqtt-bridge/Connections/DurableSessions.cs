using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// The persistent sessions of the fleet, kept in the compacted iot.sessions and followed by every instance. An
/// instance changes a device's session only while it holds the device (iot.presence), so one writer at a time; its
/// own change is visible to it at once, before Kafka echoes it back.
/// </summary>
public sealed class DurableSessions(BridgeProducer producer, KafkaClientFactory kafka, IOptions<KafkaTopics> topics, ILogger<DurableSessions> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, DurableSession> _sessions = new(StringComparer.Ordinal);
    private volatile bool _ready;
    private CompactedTopicFollower? _follower;

    public bool IsReady => _ready;

    public string Status { get; private set; } = "not started";

    /// <summary>A session record read from iot.sessions once caught up (any instance's, this one's echoes too).</summary>
    public event Action<string, DurableSession>? SessionRead;

    public bool TryGet(string deviceId, out DurableSession session) => _sessions.TryGetValue(deviceId, out session!);

    /// <summary>
    /// Reads iot.sessions up to where it ends now, so that a change made next starts from every session write Kafka
    /// had taken by this moment: another instance's, made just before it stopped or handed the device over. False
    /// when Kafka did not let it say so within <paramref name="limit"/>.
    /// </summary>
    public bool CatchUp(TimeSpan limit, CancellationToken stop) =>
        _follower?.ReadAllTakenBefore(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), limit, stop) ?? false;

    public void Save(string deviceId, DurableSession session)
    {
        _sessions[deviceId] = session;
        Write(deviceId, session.Encode());
    }

    public void Remove(string deviceId)
    {
        if (_sessions.TryRemove(deviceId, out _))
            Write(deviceId, null);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var follower = _follower = new CompactedTopicFollower(kafka, topics.Value.Sessions, "sessions", logger, asksEnds: true);
        return Task.Factory.StartNew(() =>
        {
            follower.Run(result =>
            {
                if (result.Message.Key is not { Length: > 0 } deviceId)
                    return;
                if (result.Message.Value is null)
                    _sessions.TryRemove(deviceId, out _);
                else if (DurableSession.Decode(result.Message.Value) is { } session)
                {
                    _sessions[deviceId] = session;
                    if (_ready)
                        Notify(deviceId, session);
                }
                else
                    logger.LogWarning("Session of {DeviceId} at {Offset} is unreadable; ignored", deviceId, result.TopicPartitionOffset);
            }, () =>
            {
                _ready = true;
                return Status = $"following {topics.Value.Sessions}";
            }, stoppingToken);
            if (!_ready)
                Status = follower.Status;
        }, stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Notify(string deviceId, DurableSession session)
    {
        try
        {
            SessionRead?.Invoke(deviceId, session);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Acting on the stored session of {DeviceId} failed", deviceId);
        }
    }

    private void Write(string deviceId, byte[]? value)
    {
        if (!producer.IsReady)
        {
            logger.LogWarning("Session of {DeviceId} not written: Kafka is not ready", deviceId);
            return;
        }
        try
        {
            producer.Produce(producer.Topics.Sessions, deviceId, value, report =>
            {
                if (report.Error.IsError)
                    Failed(deviceId, report.Error.Reason);
            });
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            Failed(deviceId, e.Error.Reason);
        }
    }

    private void Failed(string deviceId, string reason)
    {
        BridgeMetrics.ConnectivityEventsDropped.Inc();
        logger.LogWarning("Session of {DeviceId} was not written to Kafka: {Reason}", deviceId, reason);
    }
}
