using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Commands;

/// <summary>This instance answers the command: when it decided, and whether MQTTnet holds a session for the device here.</summary>
internal readonly record struct CommandRoute(long NowMs, bool HasSession);

/// <summary>
/// Decides which bridge instance answers a command read from iot.commands (<see cref="CommandResponsibility"/>) and
/// keeps the ones left to another instance (<see cref="DeferredCommands"/>) until that instance has read them, to decide
/// again if it stops or dies first. Runs on the command reader's thread only.
/// </summary>
public sealed class CommandRouting(
    BridgeServer bridgeServer,
    ConnectedDevices connected,
    PresenceView presence,
    CommandReadPositions readPositions,
    IOptions<CommandsOptions> options,
    ILogger<CommandRouting> logger)
{
    /// <summary>The longest a settle waits for Kafka before the command is decided on what this instance has read.</summary>
    internal static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(10);

    private readonly DeferredCommands _deferred = new();
    private long _reportedDropped;
    private bool _catchUpSettled;

    /// <summary>The route when this instance answers the command; null when another instance answers (or answered) it.</summary>
    internal async Task<CommandRoute?> RouteAsync(ConsumeResult<string?, byte[]?> result, string deviceId, CancellationToken stopping)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (partition, offset) = (result.Partition.Value, result.Offset.Value);
        var catchUp = readPositions.IsCatchUp(partition, offset);
        var readingSince = readPositions.ReadingSinceMs ?? now;
        if (catchUp)
        {
            SettleCatchUp(readingSince, stopping);
            if (presence.ReadByAnotherRun(partition, offset, readingSince))
                return null; // answered by the run that read it (or it left it to one that did)
        }
        var writtenMs = result.Message.Timestamp.Type == TimestampType.NotAvailable ? now : result.Message.Timestamp.UnixTimestampMs;
        if (!catchUp)
            now = Settle(deviceId, writtenMs, now, stopping);
        var connection = connected.TryGet(deviceId, out var c) ? c : null;
        var hasSession = connection is null && await HasSessionAsync(deviceId).ConfigureAwait(false);
        var responsible = catchUp
            ? CommandResponsibility.ForCatchUp(partition, offset, presence, now, readingSince)
            : CommandResponsibility.Responsible(deviceId, partition, offset, presence, connection?.ConnectEvent?.TsMs ?? (connection is null ? null : now),
                hasSession, writtenMs, now);
        if (responsible == presence.Self)
            return new CommandRoute(now, hasSession);
        // Another instance holds the device, or answers for it.
        _deferred.Defer(responsible, presence.InstanceRecord(responsible)?.StartedMs, result,
            catchingUp: catchUp && !presence.ReadsAsWritten(responsible, partition, offset, now));
        return null;
    }

    /// <summary>Commands left to an instance that stopped or died before reading them: to be decided again, now without it.</summary>
    internal IReadOnlyList<ConsumeResult<string?, byte[]?>> TakeReleased()
    {
        if (_deferred.Count == 0)
            return [];
        var released = _deferred.Release(presence.InstanceRecord, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (released.Count > 0)
            logger.LogInformation("Deciding again on {Count} commands left to a bridge instance that stopped or died before reading them", released.Count);
        if (_deferred.Dropped != _reportedDropped)
        {
            logger.LogWarning("{Count} commands left to other instances were forgotten: more than {Capacity} waited for their heartbeat",
                _deferred.Dropped - _reportedDropped, DeferredCommands.DefaultCapacity);
            _reportedDropped = _deferred.Dropped;
        }
        return released;
    }

    /// <summary>
    /// With other instances live, waits until this one has read every presence record written before the command
    /// (<see cref="CommandsOptions.PresenceSettle"/>), so that all of them decide on the same holder. It blocks the
    /// command reader's own thread, which waits for this command anyway: awaiting would move the reader, which blocks
    /// in Kafka's consume, onto the shared thread pool, and a starved pool delays the heartbeats the others count on.
    /// </summary>
    /// <returns>The time after the wait.</returns>
    private long Settle(string deviceId, long writtenMs, long nowMs, CancellationToken stopping)
    {
        var settle = options.Value.PresenceSettle;
        if (settle <= TimeSpan.Zero || !presence.OthersLive(nowMs))
            return nowMs;
        if (!presence.Settle(writtenMs, settle, SettleLimit, stopping))
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
    private void SettleCatchUp(long readingSinceMs, CancellationToken stopping)
    {
        if (_catchUpSettled)
            return;
        _catchUpSettled = true;
        var settle = options.Value.PresenceSettle;
        if (settle > TimeSpan.Zero && !presence.Settle(readingSinceMs, settle, SettleLimit, stopping))
            logger.LogWarning("Catching up on commands without knowing that every presence record since this instance began reading was read: Kafka did not answer within {Limit}",
                SettleLimit);
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
}
