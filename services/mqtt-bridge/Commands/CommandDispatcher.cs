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
/// Consumes iot.commands and publishes each command (at its QoS, 1 when the record has none) to
/// devices/&lt;id&gt;/commands when the device is connected to this instance or has a persistent session here
/// (MQTTnet then delivers it on reconnect, unless its message expiry passed). A command without its own expiry
/// expires Commands:DefaultExpiry after it was created, so none is delivered hours late.
/// Outcomes: sent, delivered (the device's PUBACK, QoS 1 only), offline, expired, unknown_device.
/// Every instance reads every command written after it started (<see cref="CommandTail"/>), and only the one
/// <see cref="CommandResponsibility"/> names acts on it, so each command gets one outcome whatever the instance count.
/// The others keep it (<see cref="DeferredCommands"/>) until that instance has read it, and decide again if it stops
/// or dies before that.
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
    Presence.PresenceView presence,
    DurableSessionKeeper sessions,
    DurableSessions storedSessions,
    LateQueuedCommands lateQueued,
    IOptions<CommandsOptions> options,
    CommandReadPositions readPositions,
    ILogger<CommandDispatcher> logger) : BackgroundService
{
    public const string CommandIdProperty = "command_id";

    private readonly DeferredCommands _deferred = new();
    /// <summary>The longest a settle waits for Kafka before the command is decided on what this instance has read.</summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(10);

    private CommandTail? _tail;
    private long _reportedDropped;
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
        storedSessions.SessionRead += OnSessionRead;
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
        if (_deferred.Count == 0)
            return;
        var released = _deferred.Release(presence.InstanceRecord, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (released.Count > 0)
            logger.LogInformation("Deciding again on {Count} commands left to a bridge instance that stopped or died before reading them", released.Count);
        foreach (var command in released)
            await HandleAsync(command).ConfigureAwait(false);
        if (_deferred.Dropped != _reportedDropped)
        {
            logger.LogWarning("{Count} commands left to other instances were forgotten: more than {Capacity} waited for their heartbeat",
                _deferred.Dropped - _reportedDropped, DeferredCommands.DefaultCapacity);
            _reportedDropped = _deferred.Dropped;
        }
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
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (partition, offset) = (result.Partition.Value, result.Offset.Value);
        var catchUp = readPositions.IsCatchUp(partition, offset);
        var readingSince = readPositions.ReadingSinceMs ?? now;
        if (catchUp)
        {
            SettleCatchUp(readingSince);
            if (presence.ReadByAnotherRun(partition, offset, readingSince))
                return; // answered by the run that read it (or it left it to one that did)
        }
        var writtenMs = result.Message.Timestamp.Type == TimestampType.NotAvailable ? now : result.Message.Timestamp.UnixTimestampMs;
        if (!catchUp)
            now = Settle(deviceId, writtenMs, now);
        var connection = connected.TryGet(deviceId, out var c) ? c : null;
        var hasSession = connection is null && await HasSessionAsync(deviceId).ConfigureAwait(false);
        var responsible = catchUp
            ? CommandResponsibility.ForCatchUp(partition, offset, presence, now, readingSince)
            : CommandResponsibility.Responsible(deviceId, partition, offset, presence, connection?.ConnectEvent?.TsMs ?? (connection is null ? null : now),
                hasSession, writtenMs, now);
        if (responsible != presence.Self)
        {
            // Another instance holds the device, or answers for it.
            _deferred.Defer(responsible, presence.InstanceRecord(responsible)?.StartedMs, result,
                catchingUp: catchUp && !presence.ReadsAsWritten(responsible, partition, offset, now));
            return;
        }
        var expires = ExpiresAt(command, result.Message.Timestamp, options.Value.DefaultExpiry);
        if (expires <= now)
        {
            outcomes.Record(deviceId, command.CommandId, "expired",
                $"expired at {DateTimeOffset.FromUnixTimeMilliseconds(expires):O}, before this bridge could send it");
            return;
        }
        if (!DeviceIds.IsValid(deviceId) || !registry.TryGet(deviceId, out var device) || device.Revoked)
        {
            outcomes.Record(deviceId, command.CommandId, "unknown_device");
            return;
        }
        var qos = command.HasQos && command.Qos == 0 ? 0 : 1;
        var payload = command.Payload.ToByteArray();
        var contentType = string.IsNullOrEmpty(command.ContentType) ? null : command.ContentType;
        string? detail = null;
        if (!connected.TryGet(deviceId, out _))
        {
            // Away with a persistent session: queued in iot.sessions, so it survives this instance and follows the
            // device to whichever instance it resumes at; and in MQTTnet's own session when it is kept here. With other
            // instances live, the session's last writes may be another instance's (it queued a command just before it
            // stopped): read them first, so that this change keeps them.
            if (qos == 1 && presence.OthersLive(now) && !storedSessions.CatchUp(SettleLimit, _stopping))
                logger.LogWarning("Queuing the command for {DeviceId} without knowing that every write of its stored session was read: Kafka did not answer within {Limit}",
                    deviceId, SettleLimit);
            var stored = qos == 1 && sessions.Queue(deviceId, new QueuedCommand(command.CommandId, payload, qos, contentType, expires));
            if (!stored && !hasSession)
            {
                outcomes.Record(deviceId, command.CommandId, "offline");
                return;
            }
            detail = "queued in the device's persistent session";
            if (!hasSession)
            {
                outcomes.Record(deviceId, command.CommandId, "sent", detail);
                return;
            }
        }
        await bridgeServer.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(
            CommandMessages.Build(deviceId, command.CommandId, payload, qos, contentType, expires, now))).ConfigureAwait(false);
        outcomes.Record(deviceId, command.CommandId, "sent", detail);
    }

    /// <summary>
    /// With other instances live, waits until this one has read every presence record written before the command
    /// (<see cref="CommandsOptions.PresenceSettle"/>), so that all of them decide on the same holder. It blocks the
    /// command reader's own thread, which waits for this command anyway: awaiting would move the reader, which blocks
    /// in Kafka's consume, onto the shared thread pool, and a starved pool delays the heartbeats the others count on.
    /// </summary>
    /// <returns>The time after the wait.</returns>
    private long Settle(string deviceId, long writtenMs, long nowMs)
    {
        var settle = options.Value.PresenceSettle;
        if (settle <= TimeSpan.Zero || !presence.OthersLive(nowMs))
            return nowMs;
        if (!presence.Settle(writtenMs, settle, SettleLimit, _stopping))
        {
            BridgeMetrics.Commands.WithLabels("unsettled").Inc();
            logger.LogWarning("Deciding the command for {DeviceId} without knowing that every presence record before it was read: Kafka did not answer within {Limit}",
                deviceId, SettleLimit);
        }
        return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    /// <summary>
    /// Before the first command read while catching up: waits until this view has read every iot.presence record
    /// written up to <see cref="CommandsOptions.PresenceSettle"/> after this run began reading, so that it knows every
    /// other run that began catching up before it (or at about the same time): of those, the first answers.
    /// </summary>
    private void SettleCatchUp(long readingSinceMs)
    {
        if (_catchUpSettled)
            return;
        _catchUpSettled = true;
        var settle = options.Value.PresenceSettle;
        if (settle > TimeSpan.Zero && !presence.Settle(readingSinceMs, settle, SettleLimit, _stopping))
            logger.LogWarning("Catching up on commands without knowing that every presence record since this instance began reading was read: Kafka did not answer within {Limit}",
                SettleLimit);
    }

    private bool _catchUpSettled;

    /// <summary>
    /// When the command stops being deliverable: its own expiry, else the default expiry after its creation
    /// (or, for a record without a creation time, after Kafka's timestamp of it).
    /// </summary>
    public static long ExpiresAt(DeviceCommand command, Timestamp kafkaTimestamp, TimeSpan defaultExpiry)
    {
        if (command.ExpiresTsMs != 0)
            return command.ExpiresTsMs;
        var created = command.CreatedTsMs != 0 ? command.CreatedTsMs
            : kafkaTimestamp.Type != TimestampType.NotAvailable ? kafkaTimestamp.UnixTimestampMs
            : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return created + (long)defaultExpiry.TotalMilliseconds;
    }

    /// <summary>
    /// Another instance queued commands in the stored session of a device that is connected here with a persistent
    /// session (<see cref="LateQueuedCommands"/>): delivered now, and the stored queue emptied.
    /// </summary>
    private void OnSessionRead(string deviceId, DurableSession session)
    {
        if (session.Queued.Count == 0 || !connected.TryGet(deviceId, out var connection) || !connection.PresencePersistent)
            return;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var late = lateQueued.Take(deviceId, session, now);
        if (late.Count == 0)
            return;
        storedSessions.Save(deviceId, session with { Instance = presence.Self, DisconnectedAtMs = null, Queued = [] });
        logger.LogInformation("Delivering {Count} commands queued in the stored session of {DeviceId} after it connected here", late.Count, deviceId);
        _ = DeliverLateAsync(deviceId, late, now);
    }

    private async Task DeliverLateAsync(string deviceId, IReadOnlyList<QueuedCommand> late, long nowMs)
    {
        try
        {
            foreach (var queued in late)
                await bridgeServer.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(
                    CommandMessages.Build(deviceId, queued.CommandId, queued.Payload, queued.Qos, queued.ContentType, queued.ExpiresAtMs, nowMs)))
                    .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Delivering commands queued late for {DeviceId} failed", deviceId);
        }
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
