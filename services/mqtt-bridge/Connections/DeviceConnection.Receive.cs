using System.Diagnostics;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Pipeline.MqttBridge.Connections;

/// <summary>
/// The receive side of <see cref="DeviceConnection"/>: what MQTTnet's per-connection loop asks for next. An
/// authenticated device's PUBLISH packets are handed to the ingest here and never reach that loop; the other packets
/// pass through, after the checks MQTTnet does not make (SUBSCRIBE filter count, packet size, DISCONNECT and will
/// bookkeeping, topic aliases of the publishes it does not see).
/// </summary>
public sealed partial class DeviceConnection
{
    // MQTTnet's keep-alive monitor only sees packets this adapter returns. Publishes taken by the
    // bridge are therefore surfaced now and then as a PUBACK for packet id 0, which no session ever
    // uses: MQTTnet records the activity and finds nothing to acknowledge.
    private static readonly MqttPubAckPacket KeepAliveTouch = new() { PacketIdentifier = 0 };
    // A quarter second: MQTTnet ends a connection after 1.5 keep-alive periods without a packet, and a device may ask
    // for a keep-alive of 1 s; surfacing once a second left half a second of margin, which a loaded machine used up.
    private static readonly long SurfaceInterval = Stopwatch.Frequency / 4;

    private long _lastSurfaced = Stopwatch.GetTimestamp();
    private Dictionary<ushort, string>? _topicAliases;

    public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            MqttPacket packet;
            // One async method for the receive and its failure (an idle connection's pending receive keeps its state machine).
            try
            {
                // An idle connection waits here, not inside MQTTnet's read chain (IReadReadiness): its pending read is the
                // socket's alone. A failure is left to the read below, where MQTTnet's adapter reports it as it always has.
                if (_readiness is not null)
                {
                    try
                    {
                        await _readiness.WaitForDataAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                    }
                }
                packet = await _inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (Session is not null)
            {
                if (FindTooLarge(e) is { } tooLarge)
                    await RefuseTooLargeAsync(tooLarge).ConfigureAwait(false);
                await TakeEndingTurnAsync().ConfigureAwait(false);
                throw;
            }
            if (packet is MqttSubscribePacket subscribe && Session is not null && subscribe.TopicFilters.Count > Limits.MaxFiltersPerSubscribe)
            {
                await RefuseSubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (packet is not MqttPublishPacket publish || Session is null)
            {
                if (packet is MqttDisconnectPacket disconnect)
                {
                    DisconnectSessionExpiryInterval = disconnect.SessionExpiryInterval;
                    SentDisconnect = true;
                    DisconnectedCleanly = disconnect.ReasonCode != MqttDisconnectReasonCode.DisconnectWithWillMessage;
                    MarkClosing(disconnect.ReasonCode == MqttDisconnectReasonCode.NormalDisconnection
                        ? "client sent DISCONNECT"
                        : $"client sent DISCONNECT 0x{(int)disconnect.ReasonCode:X2} {disconnect.ReasonCode}");
                    if (Session is not null)
                        await TakeEndingTurnAsync().ConfigureAwait(false);
                }
                else if (packet is MqttConnectPacket { WillFlag: true } connect)
                {
                    // MQTTnet would publish the will itself, where the bridge cannot route it; the bridge takes it.
                    Will = Wills.WillMessage.From(connect);
                    connect.WillFlag = false;
                }
                _lastSurfaced = Stopwatch.GetTimestamp();
                return packet;
            }
            ResolveTopicAlias(publish);
            await _ingest.HandleAsync(this, publish, cancellationToken).ConfigureAwait(false);
            var now = Stopwatch.GetTimestamp();
            if (now - _lastSurfaced >= SurfaceInterval)
            {
                _lastSurfaced = now;
                return KeepAliveTouch;
            }
        }
    }

    // The hard packet limit (PacketSizeGuard, in the read-ahead channel) ends the connection; an authenticated MQTT 5 device is told
    // why with DISCONNECT 0x95 and the refusal is recorded in iot.rejected (the packet itself was never read).
    private Task RefuseTooLargeAsync(Listeners.PacketTooLargeException tooLarge)
    {
        var reason = $"packet of {tooLarge.Size} bytes exceeds the maximum packet size of {tooLarge.Limit} bytes";
        _ingest.RecordRefusal(Session!.DeviceId, "", Policy.Refusal.TooLarge(reason + "; connection closed"));
        return AbortAsync(MqttDisconnectReasonCode.PacketTooLarge, reason);
    }

    private static Listeners.PacketTooLargeException? FindTooLarge(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is Listeners.PacketTooLargeException tooLarge)
                return tooLarge;
        return null;
    }

    // AWS IoT Core allows 8 topic filters per SUBSCRIBE. A larger one is answered here, every filter refused
    // (MQTT 5: 0x97 Quota exceeded; 3.1.1: 0x80 Failure), so MQTTnet never subscribes any of them.
    private async Task RefuseSubscribeAsync(MqttSubscribePacket subscribe, CancellationToken cancellationToken)
    {
        var v5 = ProtocolVersion == MqttProtocolVersion.V500;
        var detail = $"{subscribe.TopicFilters.Count} topic filters in one SUBSCRIBE; at most {Limits.MaxFiltersPerSubscribe}";
        _ingest.RecordRefusal(Session!.DeviceId, string.Join(",", subscribe.TopicFilters.Select(f => f.Topic)), Policy.Refusal.SubscriptionQuota("subscribe: " + detail));
        var ack = new MqttSubAckPacket
        {
            PacketIdentifier = subscribe.PacketIdentifier,
            ReasonCodes = subscribe.TopicFilters.Select(_ => v5 ? MqttSubscribeReasonCode.QuotaExceeded : MqttSubscribeReasonCode.UnspecifiedError).ToList(),
            ReasonString = v5 ? detail : null,
        };
        await _inner.SendPacketAsync(ack, cancellationToken).ConfigureAwait(false);
    }

    // MQTT 5 topic aliases are resolved by MQTTnet's connection loop, which these publishes bypass.
    // An alias the device never defined leaves the topic empty, which the policy refuses.
    private void ResolveTopicAlias(MqttPublishPacket publish)
    {
        if (publish.TopicAlias == 0)
            return;
        _topicAliases ??= [];
        if (!string.IsNullOrEmpty(publish.Topic))
        {
            if (_topicAliases.Count < 1024 || _topicAliases.ContainsKey(publish.TopicAlias))
                _topicAliases[publish.TopicAlias] = publish.Topic;
        }
        else if (_topicAliases.TryGetValue(publish.TopicAlias, out var topic))
        {
            publish.Topic = topic;
        }
    }
}
