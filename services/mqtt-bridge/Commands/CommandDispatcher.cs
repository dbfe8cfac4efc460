using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Server;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Consumes iot.commands and hands each command to the one instance that answers it, so each command gets one
/// outcome whatever the instance count. Every instance reads every command written after it started
/// (<see cref="CommandTail"/>); <see cref="CommandRouting"/> decides whether this one answers (and keeps the others'
/// until they have read them), and <see cref="CommandDelivery"/> publishes or queues it and records the outcome:
/// sent, delivered (the device's PUBACK, QoS 1 only), offline, expired, unknown_device.
/// A command without its own expiry expires Commands:DefaultExpiry after it was created, so none is delivered hours late.
/// </summary>
public sealed class CommandDispatcher(
    BridgeServer bridgeServer,
    BridgeEndpoints endpoints,
    BridgeProducer producer,
    DeviceRegistryView registry,
    CommandOutcomes outcomes,
    KafkaClientFactory kafka,
    IOptions<KafkaTopics> topics,
    Presence.PresenceView presence,
    DurableSessions storedSessions,
    CommandReadPositions readPositions,
    CommandRouting routing,
    CommandDelivery delivery,
    ILogger<CommandDispatcher> logger) : BackgroundService
{
    public const string CommandIdProperty = "command_id";

    private CommandTail? _tail;
    private CancellationToken _stopping;

    /// <summary>True once this instance reads iot.commands from its end and knows where devices are.</summary>
    public bool IsReady => _tail is { IsPositioned: true } && presence.IsReady;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await endpoints.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        // Routing needs to know where devices are and their stored sessions before the first command.
        while (!producer.IsReady || !registry.IsReady || !presence.IsReady || !storedSessions.IsReady)
            await Task.Delay(100, stoppingToken).ConfigureAwait(false);
        bridgeServer.Server.ClientAcknowledgedPublishPacketAsync += OnAcknowledged;
        storedSessions.SessionRead += delivery.OnSessionRead;
        await Task.Factory.StartNew(() => ConsumeLoop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .ConfigureAwait(false);
    }

    private void ConsumeLoop(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        _tail = new CommandTail(kafka, topics.Value.Commands, readPositions, logger);
        _tail.Run(presence.CommandsCatchUpFrom(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), HandleAsync, ActOnReleasedAsync,
            stoppingToken);
    }

    /// <summary>Commands left to an instance that stopped or died before reading them: decided again, now without it.</summary>
    private async Task ActOnReleasedAsync()
    {
        foreach (var command in routing.TakeReleased())
            await HandleAsync(command).ConfigureAwait(false);
    }

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
        if (await routing.RouteAsync(result, deviceId, _stopping).ConfigureAwait(false) is { } route)
            await delivery.DeliverAsync(command, deviceId, result.Message.Timestamp, route, _stopping).ConfigureAwait(false);
    }

    private Task OnAcknowledged(ClientAcknowledgedPublishPacketEventArgs e)
    {
        var commandId = e.PublishPacket.UserProperties?.FirstOrDefault(p => p.Name == CommandIdProperty)?.ReadValueAsString();
        if (commandId is not null)
            outcomes.Record(e.ClientId, commandId, "delivered");
        return Task.CompletedTask;
    }
}
