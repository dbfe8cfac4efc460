using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Options;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Consumes iot.commands and publishes each command (QoS 1) to devices/&lt;id&gt;/commands when the
/// device is connected to this instance or has a persistent session here (MQTTnet then delivers it
/// on reconnect). Outcomes: sent, delivered (the device's PUBACK), offline, expired, unknown_device.
/// The consumer offset is stored only after a command was handled. One consumer group per
/// deployment by default (Bridge:CommandsGroupId): with several instances, give each its own group
/// so every instance sees every command; instances without the device then record "offline".
/// </summary>
public sealed class CommandDispatcher(
    BridgeServer bridgeServer,
    BridgeEndpoints endpoints,
    BridgeProducer producer,
    ConnectedDevices connected,
    DeviceRegistryView registry,
    CommandOutcomes outcomes,
    KafkaClientFactory kafka,
    IOptions<KafkaTopics> topics,
    IOptions<BridgeOptions> bridge,
    ILogger<CommandDispatcher> logger) : BackgroundService
{
    public const string CommandIdProperty = "command_id";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await endpoints.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        while (!producer.IsReady || !registry.IsReady)
            await Task.Delay(100, stoppingToken).ConfigureAwait(false);
        bridgeServer.Server.ClientAcknowledgedPublishPacketAsync += OnAcknowledged;
        await Task.Factory.StartNew(() => ConsumeLoop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .Unwrap().ConfigureAwait(false);
    }

    private Task ConsumeLoop(CancellationToken stoppingToken) =>
        new GroupConsumeLoop(kafka, logger).RunAsync("commands", bridge.Value.CommandsGroupId ?? "mqtt-bridge-commands",
            topics.Value.Commands, HandleAsync, stoppingToken);

    private async Task HandleAsync(ConsumeResult<string?, byte[]?> result)
    {
        DeviceCommand command;
        try
        {
            command = ProtobufDeserializer<DeviceCommand>.Decode(result.Message.Value);
        }
        catch (WireFormatException e)
        {
            logger.LogWarning("Command at {Offset} is unreadable: {Reason}", result.TopicPartitionOffset, e.Message);
            BridgeMetrics.Commands.WithLabels("unreadable").Inc();
            return;
        }
        var deviceId = string.IsNullOrEmpty(command.DeviceId) ? result.Message.Key ?? "" : command.DeviceId;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (command.ExpiresTsMs != 0 && command.ExpiresTsMs <= now)
        {
            outcomes.Record(deviceId, command.CommandId, "expired");
            return;
        }
        if (!DeviceIds.IsValid(deviceId) || !registry.TryGet(deviceId, out var device) || device.Revoked)
        {
            outcomes.Record(deviceId, command.CommandId, "unknown_device");
            return;
        }
        if (!connected.TryGet(deviceId, out _) && !await HasSessionAsync(deviceId).ConfigureAwait(false))
        {
            outcomes.Record(deviceId, command.CommandId, "offline");
            return;
        }
        var message = new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{deviceId}/commands")
            .WithPayload(command.Payload.ToByteArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(CommandIdProperty, System.Text.Encoding.UTF8.GetBytes(command.CommandId).AsMemory());
        if (!string.IsNullOrEmpty(command.ContentType))
            message.WithContentType(command.ContentType);
        if (command.ExpiresTsMs != 0)
            message.WithMessageExpiryInterval((uint)Math.Max(1, (command.ExpiresTsMs - now) / 1000));
        await bridgeServer.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message.Build())).ConfigureAwait(false);
        outcomes.Record(deviceId, command.CommandId, "sent");
    }

    private async Task<bool> HasSessionAsync(string deviceId)
    {
        try
        {
            return await bridgeServer.Server.GetSessionAsync(deviceId).ConfigureAwait(false) is not null;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private Task OnAcknowledged(ClientAcknowledgedPublishPacketEventArgs e)
    {
        var commandId = e.PublishPacket.UserProperties?.FirstOrDefault(p => p.Name == CommandIdProperty)?.ReadValueAsString();
        if (commandId is not null)
            outcomes.Record(e.ClientId, commandId, "delivered");
        return Task.CompletedTask;
    }
}
