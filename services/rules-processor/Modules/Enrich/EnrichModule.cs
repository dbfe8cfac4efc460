using Pipeline.Contracts;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.Modules.Enrich;

/// <summary>
/// Joins telemetry with the device registry (iot.devices as a global table) and adds the device's
/// attributes. Telemetry of a device the registry does not know, or had revoked before the bridge received
/// the record, is rejected. A record the bridge accepted under a registry record that was not revoked (it says so in
/// accepted_under_registry_ts_ms) was acknowledged to the device while it was still allowed, so it is kept, however
/// late the bridge's view learned of the revocation; for records without that stamp, the receive time decides. A device the global table does not know yet gets a
/// second look through <paramref name="lookup"/> (the table can be a moment behind the bridge's view).
/// </summary>
public sealed class EnrichModule(IDeviceLookup? lookup = null) : ITopologyModule
{
    public const string ModuleName = "enrich";

    public string Name => ModuleName;

    public ModuleDescription Describe(KafkaTopics topics) => new([topics.Devices], [topics.Rejected], []);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var joined = context.Telemetry.LeftJoin(context.Devices, (key, _) => key,
            (t, device) => Enrich(t, device ?? lookup?.WaitFor(t.Record.DeviceId)));
        context.Telemetry = context.SplitRejections(joined);
    }

    public static Routed<EnrichedTelemetry> Enrich(EnrichedTelemetry telemetry, DeviceRecord? device)
    {
        if (device is null)
            return Routed<EnrichedTelemetry>.Reject(Rejections.Of(telemetry.Record, Reason.UnknownDevice,
                $"device '{telemetry.Record.DeviceId}' is not in the registry"));
        if (device.Revoked && !AcceptedBeforeRevocation(telemetry.Record, device))
            return Routed<EnrichedTelemetry>.Reject(Rejections.Of(telemetry.Record, Reason.RevokedDevice,
                $"device '{telemetry.Record.DeviceId}' was revoked (revoked_ts_ms {device.RevokedTsMs})"));
        foreach (var (name, value) in device.Attributes)
            telemetry.Attributes[name] = value;
        return Routed<EnrichedTelemetry>.Pass(telemetry);
    }

    private static bool AcceptedBeforeRevocation(TelemetryRecord record, DeviceRecord device) =>
        record.AcceptedUnderRegistryTsMs > 0
        || (device.RevokedTsMs > 0 && record.ReceivedTsMs > 0 && record.ReceivedTsMs < device.RevokedTsMs);
}
