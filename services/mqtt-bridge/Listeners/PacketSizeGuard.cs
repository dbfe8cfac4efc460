using Pipeline.MqttBridge.Hosting;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>
/// Follows MQTT packet boundaries in the bytes read from a connection and closes the connection as
/// soon as a fixed header announces a packet larger than the limit. MQTTnet would otherwise
/// allocate whatever a "remaining length" claims (up to 256 MB) before reading it, so random bytes
/// or a hostile client could make the bridge allocate large buffers.
/// </summary>
/// <remarks>
/// It sees the bytes as <see cref="ReadAheadChannel"/> receives them, inside that channel's read: a channel of
/// its own was one more async layer on every socket read of every connection (and one more state machine held
/// by every idle connection's pending read).
/// </remarks>
public sealed class PacketSizeGuard(int maxPacketBytes)
{
    private enum State { Type, Length, Body }

    private State _state = State.Type;
    private long _length;
    private int _lengthBytes;
    private long _multiplier = 1;
    private long _bodyLeft;

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
