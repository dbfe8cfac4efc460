using Microsoft.Extensions.Options;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// Turns an accepted network channel (TCP, TLS or WebSocket) into a <see cref="DeviceConnection"/>
/// and hands it to MQTTnet's server for the lifetime of the connection.
/// </summary>
public sealed class ConnectionFactory(PublishIngest ingest, ConnectedDevices connected, SessionExpiry sessionExpiry, Wills.WillPublisher wills,
    ConnectivityRecorder connectivity, PresenceWriter presence, DurableSessionKeeper durableSessions, DeviceHandover handover,
    Kafka.FullWindowSender fullWindows, IOptions<LimitsOptions> limits, IMqttNetLogger mqttLogger)
{
    // Topic, properties and headers may add to the payload; beyond this a packet cannot carry an acceptable publish.
    private const int HeaderAllowance = 64 * 1024;
    private const int WriterBufferBytes = 256;
    private const int WriterBufferBytesMax = 4096;

    private readonly int _maxInFlight = limits.Value.MaxInFlightPerConnection;
    private readonly int _maxPacketBytes = limits.Value.MaxPayloadBytes + HeaderAllowance;
    private readonly ConnectionLimits _limits = new(limits.Value.MaxPayloadBytes + HeaderAllowance,
        limits.Value.MaxTopicFiltersPerSubscribe, limits.Value.MaxSubscriptionsPerConnection);

    /// <summary>Set by <see cref="FleetServerAdapter"/> when MQTTnet's server starts.</summary>
    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>Serves a connection until it ends: <see cref="Open"/>, MQTTnet's handler, <see cref="Close"/>.</summary>
    /// <param name="connectDeadline">Time left for CONNECT when part of Limits:ConnectTimeout was spent before (a WebSocket upgrade);
    /// a connection not authenticated by then is closed.</param>
    public async Task RunAsync(IMqttChannel channel, string listener, string? certificateDeviceId, TimeSpan? connectDeadline = null)
    {
        var connection = Open(channel, listener, certificateDeviceId);
        using var deadline = connectDeadline is { } left ? new CancellationTokenSource(left) : null;
        using var watch = deadline?.Token.Register(() =>
        {
            if (connection.Session is null)
                channel.Dispose();
        });
        try
        {
            await Serve(connection).ConfigureAwait(false);
        }
        finally
        {
            Close(connection, listener);
        }
    }

    /// <summary>Wraps an accepted channel for MQTTnet; the caller runs <see cref="Serve"/> and then <see cref="Close"/>, whatever happens.</summary>
    /// <remarks>The TCP and TLS listener calls the three from its own connection task, so an idle connection keeps one
    /// async state machine less (RunAsync's) than it would through <see cref="RunAsync"/>.</remarks>
    public DeviceConnection Open(IMqttChannel channel, string listener, string? certificateDeviceId)
    {
        // Sockets and TLS streams wait for data with a zero-byte read, so an idle connection holds no read buffer.
        // Acknowledgements that become due together (one Kafka batch) leave in one write (CorkableChannel).
        var readAhead = new ReadAheadChannel(channel, waitWithoutBuffer: listener != "ws", guard: new PacketSizeGuard(_maxPacketBytes));
        var guarded = new CorkableChannel(readAhead);
        // The writer's buffer lives as long as the connection: small at first (an idle device gets a CONNACK, PUBACKs
        // and PINGRESPs), grown for a larger packet (a command) and cut back to WriterBufferBytesMax after one beyond it.
        var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(WriterBufferBytes, WriterBufferBytesMax));
        var inner = new MqttChannelAdapter(guarded, formatter, mqttLogger) { AllowPacketFragmentation = true };
        MqttNetFootprint.TrimSendLock(inner);
        return new DeviceConnection(inner, listener, certificateDeviceId, ingest, _maxInFlight, _limits, guarded, handover, readAhead,
            fullWindows.Enabled ? fullWindows : null);
    }

    /// <summary>MQTTnet's server runs the connection; the task ends with it.</summary>
    public Task Serve(DeviceConnection connection) =>
        (ClientHandler ?? throw new InvalidOperationException("The MQTT server is not started."))(connection);

    /// <summary>The bridge's clean-up of an ended connection (presence, will, connectivity row), then the device's turn given back.</summary>
    public void Close(DeviceConnection connection, string listener)
    {
        try
        {
            EndConnection(connection, listener);
        }
        finally
        {
            // The device's next connection, if it waits, is accepted after this clean-up (DeviceHandover).
            connection.ReleaseTurn();
            connection.Dispose();
        }
    }

    private void EndConnection(DeviceConnection connection, string listener)
    {
        if (connection.Session is { } session)
        {
            connected.Remove(session.DeviceId, connection);
            BridgeMetrics.Connections.WithLabels(listener).Dec();
            // After a takeover the session belongs to the newer connection, which is still here.
            var takenOver = connected.TryGet(session.DeviceId, out _);
            if (!takenOver)
            {
                sessionExpiry.Disconnected(session.DeviceId, connection.DisconnectSessionExpiryInterval);
                var sessionLeft = sessionExpiry.Left(session.DeviceId);
                if (connection.ConnectEvent is not null && presence.Disconnected(session.DeviceId, connection, sessionLeft) && connection.PresencePersistent)
                    durableSessions.Disconnected(session.DeviceId, sessionLeft);
                if (connection.Will is { } will && !connection.DisconnectedCleanly)
                    wills.Schedule(session.DeviceId, will);
            }
            // A device that sent DISCONNECT ended the connection itself, also when its next connection was quicker
            // than this cleanup (under load the new CONNECT can be handled first: CI recorded such a clean
            // DISCONNECT as a takeover). Its row carries the time its end began, not this cleanup's, so it comes
            // before the next connection's connect (CI saw them in the wrong order).
            if (connection.ConnectEvent is { } connect)
                connectivity.Disconnected(connect, takenOver && !connection.SentDisconnect
                    ? "session taken over by a new connection"
                    : connection.CloseReason ?? "connection lost without DISCONNECT", connection.ClosingAtMs);
        }
    }
}
