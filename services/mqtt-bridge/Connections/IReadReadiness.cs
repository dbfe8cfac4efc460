namespace Pipeline.MqttBridge.Connections;

/// <summary>Lets the owner of a connection wait until it has bytes to read, before anything reads them (see <see cref="DeviceConnection"/>).</summary>
public interface IReadReadiness
{
    /// <summary>
    /// Completes when the connection has bytes to read, has ended or failed (the next read tells which; its count means
    /// nothing). Completes at once when bytes are buffered already, or when the connection cannot wait without reading.
    /// </summary>
    ValueTask<int> WaitForDataAsync(CancellationToken cancellationToken);
}
