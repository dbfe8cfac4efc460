using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Shadows;

/// <summary>
/// The current shadow documents (the compacted iot.shadows) in memory, read from the beginning with
/// manual assignment, so the bridge can hand a reconnecting device its pending delta when it subscribes.
/// Only the writer changes documents; this is a read-only follower.
/// </summary>
public sealed class ShadowDocumentsView(
    KafkaClientFactory kafka,
    IOptions<KafkaTopics> topics,
    ILogger<ShadowDocumentsView> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ShadowDocument> _documents = new(StringComparer.Ordinal);

    /// <summary>The live (not deleted) documents of a device, classic and named.</summary>
    public IReadOnlyList<ShadowDocument> Of(string deviceId) =>
        _documents.Values.Where(d => d.DeviceId == deviceId && !d.Deleted).ToList();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Follow(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Follow(CancellationToken stoppingToken) =>
        new CompactedTopicFollower(kafka, topics.Value.Shadows, "shadows-view", logger).Run(
            result => { if (result.Message.Key is { } key) Apply(key, result.Message.Value); },
            () => $"following {topics.Value.Shadows}", stoppingToken);

    private void Apply(string key, byte[]? value)
    {
        if (value is null)
        {
            _documents.TryRemove(key, out _);
            return;
        }
        try
        {
            _documents[key] = ProtobufDeserializer<ShadowDocument>.Decode(value);
        }
        catch (WireFormatException e)
        {
            logger.LogWarning("Shadow document {Key} is unreadable: {Reason}", key, e.Message);
        }
    }
}
