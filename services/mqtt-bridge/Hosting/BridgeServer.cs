using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Listeners;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.Hosting;

/// <summary>
/// Starts the MQTT server and its listeners (a bind failure fails the start), follows the device
/// registry, and drains on shutdown: stop accepting, stop taking publishes, flush Kafka so every
/// accepted publish gets its PUBACK, then disconnect everyone with 0x8B Server shutting down.
/// Until the registry and Kafka are ready, CONNECTs are refused with 0x88 Server unavailable.
/// </summary>
public sealed class BridgeServer(
    FleetServerAdapter adapter,
    WebSocketListener webSocket,
    TlsMaterialProvider tls,
    MqttServerEvents events,
    DeviceRegistryView registry,
    TokenVerificationCache tokens,
    BridgeProducer producer,
    PublishIngest ingest,
    IngestBuffer buffer,
    ConnectedDevices connected,
    BridgeEndpoints endpoints,
    ConnectivityRecorder connectivity,
    InstanceHeartbeat heartbeat,
    PresenceWriter presence,
    MqttNetLogger mqttLogger,
    IOptions<ListenersOptions> listeners,
    IOptions<LimitsOptions> limits,
    IOptions<BridgeOptions> bridge,
    ILogger<BridgeServer> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private MqttServer? _server;
    private Task _initialization = Task.CompletedTask;

    public MqttServer Server => _server ?? throw new InvalidOperationException("The MQTT server is not started.");

    public bool IsStarted => _server is { IsStarted: true };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        BridgeMetrics.BufferCapacityBytes.Set(buffer.CapacityBytes);
        var material = tls.Material; // creates the fleet CA and server certificate on first start
        registry.DeviceRevoked += OnDeviceRevoked;
        registry.Start();
        _initialization = producer.InitializeAsync(_stopping.Token);

        var options = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithPersistentSessions()
            .WithDefaultCommunicationTimeout(limits.Value.ConnectTimeout)
            .WithMaxPendingMessagesPerClient(1000)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options, [adapter], mqttLogger);
        events.Attach(_server);
        await _server.StartAsync().ConfigureAwait(false);
        await webSocket.StartAsync(cancellationToken).ConfigureAwait(false);

        endpoints.BindAddress = listeners.Value.BindAddress;
        endpoints.TcpPort = adapter.TcpPort;
        endpoints.TlsPort = adapter.TlsPort;
        endpoints.WebSocketPort = webSocket.Port;
        endpoints.WebSocketTlsPort = webSocket.TlsPort;
        endpoints.WebSocketPath = listeners.Value.WebSocketPath;
        endpoints.CaCertificatePath = material.Ca.CertificatePath;
        endpoints.MarkStarted();
        logger.LogInformation("MQTT bridge {Instance} started: tcp {Tcp}, tls {Tls}, ws {Ws}, wss {Wss}", bridge.Value.InstanceId,
            endpoints.TcpPort?.ToString() ?? "off", endpoints.TlsPort?.ToString() ?? "off", endpoints.WebSocketPort?.ToString() ?? "off",
            endpoints.WebSocketTlsPort?.ToString() ?? "off");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("MQTT bridge draining: {Connections} connections, {Bytes} bytes waiting for Kafka", connected.Count, buffer.UsedBytes);
        await adapter.StopAsync().ConfigureAwait(false);
        await webSocket.DisposeAsync().ConfigureAwait(false);
        ingest.StartDraining();
        _stopping.Cancel();
        try
        {
            await _initialization.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        var drainTimeout = bridge.Value.DrainTimeout;
        if (!producer.Flush(drainTimeout))
            logger.LogWarning("Kafka did not confirm every record within {Timeout}; those devices get no PUBACK and resend", drainTimeout);
        // The acknowledgements for what Kafka just confirmed are on their way out; give them a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (connected.All.Any(c => c.PendingAcks > 0) && DateTime.UtcNow < deadline)
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);

        if (_server is not null)
        {
            foreach (var connection in connected.All)
                connection.MarkClosing("bridge shutting down (0x8B)");
            var stop = new MqttServerStopOptions
            {
                DefaultClientDisconnectOptions = new MqttServerClientDisconnectOptions
                {
                    ReasonCode = MqttDisconnectReasonCode.ServerShuttingDown,
                    ReasonString = "the bridge is shutting down",
                },
            };
            await _server.StopAsync(stop).ConfigureAwait(false);
            _server.Dispose();
        }
        registry.DeviceRevoked -= OnDeviceRevoked;
        // After every device's disconnect: readers stop counting this instance's connections from here on.
        connectivity.InstanceEvent(Contracts.ConnectivityEvent.Types.Kind.InstanceStopped, heartbeat.Interval);
        presence.Stopped(heartbeat.Interval);
        producer.Flush(TimeSpan.FromSeconds(5));
        logger.LogInformation("MQTT bridge stopped");
    }

    private void OnDeviceRevoked(Contracts.DeviceRecord record)
    {
        tokens.Forget(record.DeviceId);
        if (_server is null || !connected.TryGet(record.DeviceId, out var connection))
            return;
        connection.MarkClosing("the device was revoked (0x87)");
        logger.LogInformation("Device {DeviceId} was revoked; closing its session", record.DeviceId);
        _ = DisconnectRevokedAsync(record.DeviceId);
    }

    private async Task DisconnectRevokedAsync(string deviceId)
    {
        try
        {
            await Server.DisconnectClientAsync(deviceId, new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.NotAuthorized,
                ReasonString = "the device was revoked",
            }).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogDebug("Closing the session of revoked device {DeviceId}: {Reason}", deviceId, e.Message);
        }
    }

    public void Dispose() => _stopping.Dispose();
}
