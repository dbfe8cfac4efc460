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

    private void Follow(CancellationToken stoppingToken)
    {
        var topic = topics.Value.Shadows;
        var config = kafka.ReaderConfig("shadows-view"); // unique group id, never committed
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        using var consumer = kafka.CreateConsumer<string?, byte[]?>(config,
            b => b.SetErrorHandler((_, e) => logger.LogDebug("Shadow documents view: {Reason}", kafka.Redact(e.Reason))));
        try
        {
            Assign(consumer, topic, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException e)
                {
                    logger.LogWarning("Shadow documents view: {Reason}", e.Error.Reason);
                    continue;
                }
                if (result?.Message is { Key: { } key } message)
                    Apply(key, message.Value);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

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

    private void Assign(IConsumer<string?, byte[]?> consumer, string topic, CancellationToken stoppingToken)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            stoppingToken.ThrowIfCancellationRequested();
            try
            {
                var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single();
                if (metadata.Error.Code == ErrorCode.NoError && metadata.Partitions.Count > 0)
                {
                    consumer.Assign(metadata.Partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
                    return;
                }
                logger.LogDebug("Shadow documents view waiting for {Topic}: {Reason}", topic, metadata.Error.Reason);
            }
            catch (KafkaException e)
            {
                logger.LogDebug("Shadow documents view waiting for {Topic}: {Reason}", topic, e.Error.Reason);
            }
            stoppingToken.WaitHandle.WaitOne(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
        }
    }
}
