using System.Net.Sockets;
using System.Text;

namespace Pipeline.MqttBridge.IntegrationTests.Support;

/// <summary>
/// A deliberately minimal MQTT client over a raw socket, for what real clients refuse to send:
/// topics with invalid UTF-8 or NUL bytes, malformed packets, random bytes.
/// </summary>
public sealed class RawMqttClient : IDisposable
{
    private readonly TcpClient _tcp;
    private NetworkStream _stream = null!;

    private RawMqttClient(TcpClient tcp) => _tcp = tcp;

    /// <param name="from">The local address to connect from (any 127.x.y.z reaches a bridge on 127.0.0.1); 127.0.0.1 when null.</param>
    public static async Task<RawMqttClient> OpenAsync(int port, System.Net.IPAddress? from = null)
    {
        var client = new RawMqttClient(from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(from, 0)));
        await client._tcp.ConnectAsync("127.0.0.1", port);
        client._stream = client._tcp.GetStream();
        client._stream.ReadTimeout = 10_000;
        return client;
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Half-closes the connection: the server reads end-of-stream after what was sent.</summary>
    public void FinishSending() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>MQTT 5 CONNECT with username/password; returns the CONNACK reason code.</summary>
    public async Task<byte> ConnectV5Async(string clientId, string username, string password)
    {
        var body = new List<byte>();
        body.AddRange(Str("MQTT"));
        body.Add(5);                 // protocol level
        body.Add(0b1100_0010);       // username, password, clean start
        body.AddRange([0, 60]);      // keep alive
        body.Add(0);                 // no properties
        body.AddRange(Str(clientId));
        body.AddRange(Str(username));
        body.AddRange(Str(password));
        await SendRawAsync(Packet(0x10, body));
        var (type, payload) = await ReadPacketAsync();
        if (type != 0x20)
            throw new InvalidOperationException($"expected CONNACK, got packet type 0x{type:X2}");
        return payload[1];
    }

    /// <summary>MQTT 5 QoS 1 PUBLISH with the topic given as raw bytes; returns the PUBACK reason code.</summary>
    public async Task<byte> PublishQos1Async(byte[] topic, byte[] payload, ushort packetId = 1)
    {
        var body = new List<byte> { (byte)(topic.Length >> 8), (byte)topic.Length };
        body.AddRange(topic);
        body.AddRange([(byte)(packetId >> 8), (byte)packetId]);
        body.Add(0); // no properties
        body.AddRange(payload);
        await SendRawAsync(Packet(0x32, body));
        var (type, ack) = await ReadPacketAsync();
        if (type != 0x40)
            throw new InvalidOperationException($"expected PUBACK, got packet type 0x{type:X2}");
        return ack.Length > 2 ? ack[2] : (byte)0;
    }

    /// <summary>Reads until the server closes the connection; true when it did (within the read timeout).</summary>
    public async Task<bool> ServerClosesAsync()
    {
        var buffer = new byte[1024];
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await _stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _tcp.Dispose();

    public async Task<(byte Type, byte[] Body)> ReadPacketAsync()
    {
        var header = new byte[1];
        await _stream.ReadExactlyAsync(header);
        int length = 0, multiplier = 1;
        while (true)
        {
            var b = new byte[1];
            await _stream.ReadExactlyAsync(b);
            length += (b[0] & 0x7F) * multiplier;
            multiplier *= 128;
            if ((b[0] & 0x80) == 0)
                break;
        }
        var body = new byte[length];
        await _stream.ReadExactlyAsync(body);
        return ((byte)(header[0] & 0xF0), body);
    }

    private static byte[] Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }

    private static byte[] Packet(byte type, List<byte> body)
    {
        var packet = new List<byte> { type };
        var length = body.Count;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            if (length > 0)
                digit |= 0x80;
            packet.Add(digit);
        } while (length > 0);
        packet.AddRange(body);
        return packet.ToArray();
    }
}
