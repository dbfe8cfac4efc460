using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.Commands;
using Pipeline.MqttBridge.Hosting;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Retained;

/// <summary>
/// Keeps MQTTnet's retained-message store equal to the compacted iot.retained (key = topic, value = a DeviceCommand,
/// tombstone = cleared), so every bridge instance holds the same retained messages and they survive a restart.
/// MQTTnet then hands a subscribing device the retained message of a matching topic with the RETAIN flag set, as an
/// MQTT broker does. Devices cannot set retained messages themselves (RetainAvailable = false, see RetainRefusal).
/// </summary>
public sealed class RetainedMessagesFollower(
    BridgeServer bridgeServer,
    BridgeEndpoints endpoints,
    KafkaClientFactory kafka,
    IOptions<KafkaTopics> topics,
    ILogger<RetainedMessagesFollower> logger) : BackgroundService
{
    /// <summary>Where the follower is, for diagnostics.</summary>
    public string Status { get; private set; } = "not started";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await endpoints.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        var follower = new CompactedTopicFollower(kafka, topics.Value.Retained, "retained", logger);
        await Task.Factory.StartNew(() => follower.Run(
                result => { if (result.Message.Key is { } topic) Apply(topic, result.Message.Value); },
                () => Status = $"following {topics.Value.Retained}", stoppingToken),
            stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
    }

    private void Apply(string topic, byte[]? value)
    {
        MqttApplicationMessage message;
        if (value is null)
        {
            // MQTTnet clears a topic's retained message when it gets an empty one.
            message = new MqttApplicationMessageBuilder().WithTopic(topic).WithRetainFlag().Build();
        }
        else
        {
            try
            {
                message = ToMessage(topic, ProtobufDeserializer<DeviceCommand>.Decode(value));
            }
            catch (WireFormatException e)
            {
                logger.LogWarning("Retained message for {Topic} is unreadable: {Reason}", topic, e.Message);
                return;
            }
        }
        bridgeServer.Server.UpdateRetainedMessageAsync(message).GetAwaiter().GetResult();
    }

    public static MqttApplicationMessage ToMessage(string topic, DeviceCommand command)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(command.Payload.ToByteArray())
            .WithRetainFlag()
            .WithQualityOfServiceLevel(command.HasQos && command.Qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(CommandDispatcher.CommandIdProperty, System.Text.Encoding.UTF8.GetBytes(command.CommandId).AsMemory());
        if (!string.IsNullOrEmpty(command.ContentType))
            builder.WithContentType(command.ContentType);
        return builder.Build();
    }
}
