using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.ShadowApi;
using Pipeline.ServiceDefaults;

namespace Pipeline.MqttBridge.Shadows;

/// <summary>
/// Delivers the shadow writer's answers (iot.shadow.responses) to the devices' shadow topics, QoS 1.
/// Every instance reads every answer (its own consumer group), since a device's answer may follow a
/// request that came through another instance or from an application; MQTTnet delivers it only to
/// matching subscriptions. Answers older than <see cref="MaxAge"/> are skipped: a device that was away
/// catches up with get (or the pending delta it gets when it subscribes).
/// </summary>
public sealed class ShadowResponseDispatcher(
    BridgeServer bridgeServer,
    BridgeEndpoints endpoints,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    IOptions<BridgeOptions> bridge,
    PendingShadowAnswers pendingAnswers,
    ILogger<ShadowResponseDispatcher> logger) : BackgroundService
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await endpoints.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        await Task.Factory.StartNew(() => ConsumeLoop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .Unwrap().ConfigureAwait(false);
    }

    private async Task ConsumeLoop(CancellationToken stoppingToken)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = kafka.Value.BootstrapServers,
            FetchWaitMaxMs = kafka.Value.FetchWaitMaxMs,
            GroupId = $"mqtt-bridge-shadow-responses-{bridge.Value.InstanceId}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
        };
        using var consumer = new ConsumerBuilder<string?, byte[]?>(config)
            .SetErrorHandler((_, e) => logger.LogWarning("Shadow responses consumer: {Reason}", e.Reason))
            .SetLogHandler((_, _) => { })
            .Build();
        consumer.Subscribe(topics.Value.ShadowResponses);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException e)
                {
                    logger.LogWarning("Shadow responses consumer: {Reason}", e.Error.Reason);
                    continue;
                }
                if (result?.Message?.Value is null)
                    continue;
                await DeliverAsync(result).ConfigureAwait(false);
                consumer.StoreOffset(result);
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

    private async Task DeliverAsync(ConsumeResult<string?, byte[]?> result)
    {
        ShadowResponse response;
        try
        {
            response = ProtobufDeserializer<ShadowResponse>.Decode(result.Message.Value);
        }
        catch (WireFormatException e)
        {
            logger.LogWarning("Shadow response at {Offset} is unreadable: {Reason}", result.TopicPartitionOffset, e.Message);
            return;
        }
        // An answer to an HTTP request of this instance (the API waits for it whatever its age).
        if (response.ReplyTo == bridge.Value.InstanceId)
            pendingAnswers.Offer(response);
        // Only ever a topic under the device's own shadow prefix, whatever the record says.
        if (string.IsNullOrEmpty(response.DeviceId) || !response.Topic.StartsWith($"devices/{response.DeviceId}/shadow/", StringComparison.Ordinal))
            return;
        if (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - response.CreatedTsMs > MaxAge.TotalMilliseconds)
            return;
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(response.Topic)
            .WithPayload(response.Payload.ToByteArray())
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await bridgeServer.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message)).ConfigureAwait(false);
    }
}
