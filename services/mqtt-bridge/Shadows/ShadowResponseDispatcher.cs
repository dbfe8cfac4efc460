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
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.ShadowApi;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;

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
    KafkaClientFactory kafka,
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

    private Task ConsumeLoop(CancellationToken stoppingToken) =>
        new GroupConsumeLoop(kafka, logger).RunAsync("shadow-responses", $"mqtt-bridge-shadow-responses-{bridge.Value.InstanceId}",
            topics.Value.ShadowResponses, DeliverAsync, stoppingToken);

    private async Task DeliverAsync(ConsumeResult<string?, byte[]?> result)
    {
        if (result.Message.Value is null)
            return;
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
