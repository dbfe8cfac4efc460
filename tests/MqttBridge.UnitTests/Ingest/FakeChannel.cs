using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

/// <summary>A connection for tests: nothing to read, writes and disconnects accepted; tests override what they observe.</summary>
internal abstract class FakeChannel : IMqttChannel
{
    public virtual Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(0);
    public virtual Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;
    public virtual Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public X509Certificate2 ClientCertificate => null!;
    public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1);
    public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 1883);
    public bool IsSecureConnection => false;
    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public void Dispose() { }
}
