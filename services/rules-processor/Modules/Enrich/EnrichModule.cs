using Google.Protobuf.Collections;
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
/// late the bridge's view learned of the revocation; for records without that stamp, the receive time decides.
/// </summary>
/// <remarks>
/// The global table follows iot.devices on its own thread and can be a moment behind the bridge that admitted a newly
/// registered (or just changed) device. The bridge therefore copies a registry record's attributes into the device's
/// telemetry while that record is new (accepted_under); enrich takes them from there when the table does not know the
/// device yet, or knows only an older record. Nothing waits: the stream thread never stalls on the registry.
/// </remarks>
public sealed class EnrichModule : ITopologyModule
{
    public const string ModuleName = "enrich";

    public string Name => ModuleName;

    public ModuleDescription Describe(KafkaTopics topics) => new([topics.Devices], [topics.Rejected], []);

    public void Build(StreamBuilder builder, ModuleContext context)
    {
        var joined = context.Telemetry.LeftJoin(context.Devices, (key, _) => key, (t, device) => Enrich(t, device));
        context.Telemetry = context.SplitRejections(joined);
    }

    public static Routed<EnrichedTelemetry> Enrich(EnrichedTelemetry telemetry, DeviceRecord? device)
    {
        var record = telemetry.Record;
        if (AttributesOf(record, device) is not { } attributes)
            return Routed<EnrichedTelemetry>.Reject(Rejections.Of(record, Reason.UnknownDevice,
                $"device '{record.DeviceId}' is not in the registry"));
        if (device is { Revoked: true } && !AcceptedBeforeRevocation(record, device))
            return Routed<EnrichedTelemetry>.Reject(Rejections.Of(record, Reason.RevokedDevice,
                $"device '{record.DeviceId}' was revoked (revoked_ts_ms {device.RevokedTsMs})"));
        foreach (var (name, value) in attributes)
            telemetry.Attributes[name] = value;
        return Routed<EnrichedTelemetry>.Pass(telemetry);
    }

    /// <summary>
    /// The attributes of the record's device: the table's, or the bridge's copy when the table does not know the device
    /// or only an older record of it. Null when neither knows the device.
    /// </summary>
    public static MapField<string, string>? AttributesOf(TelemetryRecord record, DeviceRecord? device) =>
        record.AcceptedUnder is { } snapshot && (device is null || RegistryTs(device) < record.AcceptedUnderRegistryTsMs)
            ? snapshot.Attributes
            : device?.Attributes;

    // The bridge stamps the same value (updated_ts_ms, or created_ts_ms for records written before it existed).
    private static long RegistryTs(DeviceRecord device) => device.UpdatedTsMs > 0 ? device.UpdatedTsMs : device.CreatedTsMs;

    private static bool AcceptedBeforeRevocation(TelemetryRecord record, DeviceRecord device) =>
        record.AcceptedUnderRegistryTsMs > 0
        || (device.RevokedTsMs > 0 && record.ReceivedTsMs > 0 && record.ReceivedTsMs < device.RevokedTsMs);
}
