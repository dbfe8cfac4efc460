using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Pipeline.MqttBridge.Hosting;

namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// One device's network connection, wrapped around MQTTnet's channel adapter. Once the device is
/// authenticated, its PUBLISH packets are taken here, before MQTTnet's per-connection loop sees
/// them: that loop handles one packet at a time and would otherwise hold every publish until Kafka
/// confirmed the previous one. The bridge instead keeps up to MaxInFlightPerConnection publishes
/// waiting for Kafka and sends each PUBACK itself, in arrival order, once the delivery report
/// arrives. Waiting for a free in-flight slot (or, for MQTT 3.1.1, for buffer space) stops reading
/// the socket, which is the backpressure the device feels.
/// </summary>
public sealed partial class DeviceConnection : IMqttChannelAdapter
{
    private readonly IMqttChannelAdapter _inner;
    private readonly IPublishIngest _ingest;
    private readonly CancellationTokenSource _closed = new();
    private readonly DeviceHandover? _handover;
    private DeviceHandover.Lease? _handoverTurn;
    private int _ending;

    public DeviceConnection(IMqttChannelAdapter inner, string listener, string? certificateDeviceId, IPublishIngest ingest, int maxInFlight,
        ConnectionLimits? limits = null, IWriteBatch? ackBatch = null, DeviceHandover? handover = null, IReadReadiness? readiness = null,
        IWindowWatcher? windows = null)
    {
        _windows = windows;
        _readiness = readiness;
        _handover = handover;
        Limits = limits ?? ConnectionLimits.Default;
        _inner = inner;
        _ingest = ingest;
        Listener = listener;
        CertificateDeviceId = certificateDeviceId;
        _maxInFlight = maxInFlight;
        _ackBatch = ackBatch;
    }

    private readonly int _maxInFlight;
    private readonly IWriteBatch? _ackBatch;
    private readonly IReadReadiness? _readiness;
    private readonly IWindowWatcher? _windows;
    private InFlightWindow? _inFlight;
    private AckSequencer? _acks;

    public ConnectionLimits Limits { get; }

    /// <summary>The topic filters this connection subscribed to (capped at <see cref="ConnectionLimits.MaxSubscriptions"/>).</summary>
    /// <remarks>Created at the first SUBSCRIBE: most idle devices never subscribe, and every connection's bytes count (docs/operations.md).</remarks>
    public ConnectionSubscriptions Subscriptions => LazyInitializer.EnsureInitialized(ref _subscriptions);

    private ConnectionSubscriptions? _subscriptions;

    /// <summary>tcp, tls or ws.</summary>
    public string Listener { get; }

    /// <summary>The device id proven by a fleet client certificate during the TLS handshake, if any.</summary>
    public string? CertificateDeviceId { get; }

    /// <summary>Set when CONNECT succeeded; null before.</summary>
    public DeviceSession? Session { get; private set; }

    /// <summary>Publishes waiting for Kafka (at most MaxInFlightPerConnection).</summary>
    /// <remarks>Made at the first PUBLISH, like <see cref="Acks"/>: a connection that only waits (idle, or for commands) holds neither (about 0.3 KiB).</remarks>
    public InFlightWindow InFlight => _inFlight ?? MakeOnce(ref _inFlight, new InFlightWindow(_maxInFlight, _windows));

    public AckSequencer Acks => _acks ?? MakeOnce(ref _acks, new AckSequencer(SendAckAsync, _ackBatch));

    /// <summary>Acknowledgements not sent yet (none before the first PUBLISH).</summary>
    public int PendingAcks => _acks?.Pending ?? 0;

    private static T MakeOnce<T>(ref T? field, T made) where T : class => Interlocked.CompareExchange(ref field, made, null) ?? made;

    public MqttProtocolVersion ProtocolVersion => _inner.PacketFormatterAdapter.ProtocolVersion;

    public CancellationToken Closed => _closed.Token;

    public void Authenticated(DeviceSession session) => Session = session;

    /// <summary>Set when the bridge keeps the session for another interval than the MQTT 5 device asked for; written into its CONNACK.</summary>
    public uint? ConnAckSessionExpiryInterval { get; set; }

    /// <summary>The will of the device's CONNECT, if it gave one; the bridge publishes it (see Wills/WillPublisher).</summary>
    public Wills.WillMessage? Will { get; private set; }

    /// <summary>True once the device sent DISCONNECT, unless it was MQTT 5's "Disconnect with Will Message" (0x04).</summary>
    public bool DisconnectedCleanly { get; private set; }

    /// <summary>True once the device sent DISCONNECT (any reason code): it ended the connection itself.</summary>
    public bool SentDisconnect { get; private set; }

    /// <summary>The connect recorded in iot.connectivity; its disconnect is recorded when the connection ends.</summary>
    public Presence.ConnectRecord? ConnectEvent { get; set; }

    /// <summary>Whether the session of this connection outlives it, as written to iot.presence.</summary>
    public bool PresencePersistent { get; set; }

    /// <summary>How long the session outlives the connection (seconds), as written to iot.presence.</summary>
    public uint PresenceSessionExpirySeconds { get; set; }

    /// <summary>The stored session this connection resumes (from iot.sessions), until it is restored; CONNACK then says session present.</summary>
    public DurableSession? ResumeFrom { get; set; }

    /// <summary>Why the connection ended, as far as the bridge knows; the first reason set wins.</summary>
    public string? CloseReason => _closeReason;

    /// <summary>When the first reason was recorded (Unix ms; 0: none): the moment the connection's end began.</summary>
    public long ClosingAtMs => Volatile.Read(ref _closingAtMs);

    /// <summary>Records why the connection is ending, and when, unless a reason was already recorded.</summary>
    public void MarkClosing(string reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is null)
            Volatile.Write(ref _closingAtMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    private string? _closeReason;
    private long _closingAtMs;

    /// <summary>The Session Expiry Interval of the device's MQTT 5 DISCONNECT (0: none, or not sent).</summary>
    public uint DisconnectSessionExpiryInterval { get; private set; }

    /// <summary>Holds the device's turn (<see cref="DeviceHandover"/>) from its acceptance until MQTTnet sent the CONNACK.</summary>
    public void HoldConnectTurn(DeviceHandover.Lease turn) => Volatile.Write(ref _handoverTurn, turn);

    /// <summary>Gives back the device's turn, if this connection holds it: at CONNACK, and when the bridge's clean-up of it is done.</summary>
    public void ReleaseTurn() => Interlocked.Exchange(ref _handoverTurn, null)?.Release();

    // The end was read (DISCONNECT, or the connection failed): MQTTnet's clean-up of this id follows, and a new
    // connection of the device waits for it, or comes first and makes this one a taken-over connection MQTTnet leaves alone.
    private async Task TakeEndingTurnAsync()
    {
        if (_handover is null || Interlocked.Exchange(ref _ending, 1) != 0)
            return;
        ReleaseTurn();
        HoldConnectTurn(await _handover.EnterAsync(Session!.DeviceId).ConfigureAwait(false));
    }

    /// <summary>Closes the connection from the bridge's side; MQTT 5 devices get a DISCONNECT with the reason first.</summary>
    public async Task AbortAsync(MqttDisconnectReasonCode code, string reason)
    {
        MarkClosing($"bridge sent DISCONNECT 0x{(int)code:X2}: {reason}");
        try
        {
            if (ProtocolVersion == MqttProtocolVersion.V500)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _inner.SendPacketAsync(new MqttDisconnectPacket { ReasonCode = code, ReasonString = reason }, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // The connection may already be gone; closing it is all that is left to do.
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _inner.DisconnectAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
    }

    private async Task SendAckAsync(AckSequencer.Ticket ticket)
    {
        try
        {
            var reason = ProtocolVersion == MqttProtocolVersion.V500 ? ticket.ReasonString : null;
            MqttPacket ack = ticket.Qos == MqttQualityOfServiceLevel.ExactlyOnce
                ? new MqttPubRecPacket { PacketIdentifier = ticket.PacketId, ReasonCode = (MqttPubRecReasonCode)(int)ticket.Code, ReasonString = reason }
                : new MqttPubAckPacket { PacketIdentifier = ticket.PacketId, ReasonCode = ticket.Code, ReasonString = reason };
            await _inner.SendPacketAsync(ack, _closed.Token).ConfigureAwait(false);
            BridgeMetrics.PubAckLatency.Observe(Stopwatch.GetElapsedTime(ticket.ReceivedTimestamp).TotalSeconds);
        }
        catch (Exception)
        {
            // The device went away before its acknowledgement: it resends the publish when it comes back.
        }
        finally
        {
            InFlight.Release();
        }
    }

    // The rest is MQTTnet's adapter, unchanged.
    public long BytesReceived => _inner.BytesReceived;
    public long BytesSent => _inner.BytesSent;
    public X509Certificate2 ClientCertificate => _inner.ClientCertificate;
    public EndPoint RemoteEndPoint => _inner.RemoteEndPoint;
    public EndPoint LocalEndPoint => _inner.LocalEndPoint;
    public bool IsSecureConnection => _inner.IsSecureConnection;
    public MqttPacketFormatterAdapter PacketFormatterAdapter => _inner.PacketFormatterAdapter;
    public Task ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);
    public Task DisconnectAsync(CancellationToken cancellationToken) => _inner.DisconnectAsync(cancellationToken);
    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        if (packet is MqttConnAckPacket { ReasonCode: MqttConnectReasonCode.Success } connAck)
        {
            // MQTTnet holds this connection under the device's id now; an ending connection of the device may go on.
            ReleaseTurn();
            if (ResumeFrom is not null)
                connAck.IsSessionPresent = true;
            if (ConnAckSessionExpiryInterval is { } interval)
                connAck.SessionExpiryInterval = interval;
            // Devices cannot set retained messages (applications do, through iot.retained); MQTT 5 3.2.2.3.5.
            connAck.RetainAvailable = false;

            // MQTT 5 3.2.2.3.6: the largest packet the bridge accepts; a larger one gets DISCONNECT 0x95.
            if (ProtocolVersion == MqttProtocolVersion.V500)
                connAck.MaximumPacketSize = (uint)Limits.MaxPacketBytes;
        }
        return _inner.SendPacketAsync(packet, cancellationToken);
    }
    public void ResetStatistics() => _inner.ResetStatistics();

    public void Dispose()
    {
        _closed.Cancel();
        _closed.Dispose();
        _inner.Dispose();
    }
}
