using Microsoft.Extensions.Options;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.Listeners;

/// <summary>Loads (or creates) the CA and server certificate once, on first use at start.</summary>
public sealed class TlsMaterialProvider(IOptions<ListenersOptions> options) : IDisposable
{
    private readonly Lazy<TlsMaterial> _material = new(() => TlsMaterial.Load(options.Value));

    public TlsMaterial Material => _material.Value;

    public void Dispose()
    {
        if (_material.IsValueCreated)
            _material.Value.Dispose();
    }
}
