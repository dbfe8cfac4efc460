namespace Pipeline.MqttBridge.Hosting;

/// <summary>Where this bridge actually listens (ports resolved when 0 was configured); filled in at start.</summary>
public sealed class BridgeEndpoints
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string BindAddress { get; internal set; } = "127.0.0.1";
    public int? TcpPort { get; internal set; }
    public int? TlsPort { get; internal set; }
    public int? WebSocketPort { get; internal set; }
    public int? WebSocketTlsPort { get; internal set; }
    public string WebSocketPath { get; internal set; } = "/mqtt";

    /// <summary>Absolute path of the fleet CA certificate devices must trust for TLS.</summary>
    public string? CaCertificatePath { get; internal set; }

    /// <summary>Completes when the listeners are bound.</summary>
    public Task Started => _started.Task;

    public bool IsStarted => _started.Task.IsCompletedSuccessfully;

    internal void MarkStarted() => _started.TrySetResult();
}
