using ClickHouse.Driver;
using Pipeline.EmbeddedStack.ClickHouse;

namespace Pipeline.Cli.Devices;

/// <summary>
/// Connected-now and last-seen for `devices list`, from iot.connectivity read as the analyst (the same access
/// as `./pipeline query`). Read from ClickHouse rather than asked of the bridge: it covers every bridge
/// instance, including ones that are gone, and keeps last-seen for devices no bridge holds.
/// When ClickHouse cannot be read, devices are listed as not connected and stderr says why.
/// </summary>
public sealed class DevicePresence
{
    private readonly IReadOnlyDictionary<string, DeviceConnectivity> _devices;
    private readonly IReadOnlyDictionary<string, InstanceLiveness> _instances;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    private DevicePresence(IReadOnlyDictionary<string, DeviceConnectivity> devices, IReadOnlyDictionary<string, InstanceLiveness> instances)
    {
        _devices = devices;
        _instances = instances;
    }

    public static async Task<DevicePresence> ReadAsync(CancellationToken cancellationToken)
    {
        var empty = new DevicePresence(new Dictionary<string, DeviceConnectivity>(), new Dictionary<string, InstanceLiveness>());
        var options = CliConfiguration.ClickHouse(CliConfiguration.Load(), ClickHouseRole.Analyst);
        if (options is null)
        {
            await Console.Error.WriteLineAsync("Connectivity unknown: no ClickHouse is configured or running; devices are listed as not connected.");
            return empty;
        }
        try
        {
            var (devices, instances) = await ConnectivityReader.ReadAsync(options, cancellationToken);
            return new DevicePresence(devices, instances);
        }
        catch (Exception e) when (e is ClickHouseServerException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"Connectivity unknown: reading iot.connectivity at {options.Url} failed ({e.Message}); devices are listed as not connected.");
            return empty;
        }
    }

    public bool IsConnected(string deviceId) =>
        _devices.TryGetValue(deviceId, out var device) && PresenceRule.IsConnected(device, _instances, _now);

    public DateTimeOffset? LastSeen(string deviceId) => _devices.TryGetValue(deviceId, out var device) ? device.LastSeen : null;
}
