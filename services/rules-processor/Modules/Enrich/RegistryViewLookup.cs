using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.RulesProcessor.Modules.Enrich;

/// <summary>
/// <see cref="IDeviceLookup"/> over a live view of iot.devices (the one the bridge uses), started on first
/// use. It waits at most Rules:RegistryLagWait for a device to appear; a device still unknown after that is
/// remembered for a minute, so records of a device that really is gone cost one wait, not one each.
/// </summary>
/// <remarks>Options are read on first use: the options' own validator builds the modules, so asking for them
/// in the constructor would be a circular dependency.</remarks>
public sealed class RegistryViewLookup(IServiceProvider services) : IDeviceLookup, IDisposable
{
    private static readonly TimeSpan RememberMiss = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, long> _misses = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DeviceRegistryView? _view;
    private ILogger _logger = NullLogger.Instance;

    public DeviceRecord? WaitFor(string deviceId)
    {
        var start = Stopwatch.GetTimestamp();
        if (_misses.TryGetValue(deviceId, out var missedAt) && Stopwatch.GetElapsedTime(missedAt, start) < RememberMiss)
            return null;
        var view = View();
        var wait = services.GetRequiredService<IOptions<RulesOptions>>().Value.RegistryLagWait;
        while (true)
        {
            if (view.TryGet(deviceId, out var record))
            {
                _misses.TryRemove(deviceId, out _);
                _logger.LogInformation("Device {DeviceId} was not in the global table yet; found in the registry view", deviceId);
                return record;
            }
            if (Stopwatch.GetElapsedTime(start) >= wait)
            {
                _misses[deviceId] = Stopwatch.GetTimestamp();
                return null;
            }
            Thread.Sleep(50); // on the stream thread, on purpose: the record must not pass before its device is known
        }
    }

    private DeviceRegistryView View()
    {
        lock (_lock)
        {
            if (_view is not null) return _view;
            _logger = (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger<RegistryViewLookup>() ?? NullLogger.Instance;
            _view = new DeviceRegistryView(services.GetRequiredService<KafkaClientFactory>(),
                services.GetRequiredService<IOptions<KafkaTopics>>().Value.Devices, _logger);
            _view.Start();
            return _view;
        }
    }

    public void Dispose()
    {
        lock (_lock) _view?.Dispose();
    }
}
