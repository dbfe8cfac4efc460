using MQTTnet.Channel;
using Pipeline.MqttBridge.Hosting;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// Follows MQTT packet boundaries in the bytes read from a connection and closes the connection as
/// soon as a fixed header announces a packet larger than the limit. MQTTnet would otherwise
/// allocate whatever a "remaining length" claims (up to 256 MB) before reading it, so random bytes
/// or a hostile client could make the bridge allocate large buffers.
/// </summary>
public sealed class PacketSizeGuardChannel(IMqttChannel inner, int maxPacketBytes) : DelegatingChannel(inner)
{
    private enum State { Type, Length, Body }

    private State _state = State.Type;
    private long _length;
    private int _lengthBytes;
    private long _multiplier = 1;
    private long _bodyLeft;

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await Inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.AsSpan(offset, read));
        return read;
    }

    /// <summary>Advances the packet parser over bytes just read; throws when a packet is too large or its length is malformed.</summary>
    public void Inspect(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case State.Type:
                    i++;
                    _state = State.Length;
                    _length = 0;
                    _lengthBytes = 0;
                    _multiplier = 1;
                    break;
                case State.Length:
                    var b = bytes[i++];
                    _length += (b & 0x7F) * _multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if ((b & 0x80) == 0)
                    {
                        if (_length > maxPacketBytes)
                        {
                            BridgeMetrics.OversizedPackets.Inc();
                            throw new PacketTooLargeException(_length, maxPacketBytes);
                        }
                        _bodyLeft = _length;
                        _state = _bodyLeft == 0 ? State.Type : State.Body;
                    }
                    else if (_lengthBytes == 4)
                    {
                        throw new IOException("Malformed packet length (more than 4 bytes); closing the connection.");
                    }
                    break;
                case State.Body:
                    var take = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    i += take;
                    _bodyLeft -= take;
                    if (_bodyLeft == 0)
                        _state = State.Type;
                    break;
            }
        }
    }
}
