using Pipeline.Contracts;

namespace Pipeline.RulesProcessor.Modules.Enrich;

/// <summary>
/// A second look at the registry for a device the global table does not know yet. The bridge admitted the
/// device from its own view of iot.devices; the processor's global table follows the same topic on its own
/// thread and can be a moment behind, so a newly registered device's first records would otherwise be
/// rejected as unknown although they were acknowledged.
/// </summary>
public interface IDeviceLookup
{
    /// <summary>The device's record once the registry shows it, or null when it still does not after a bounded wait.</summary>
    DeviceRecord? WaitFor(string deviceId);
}
