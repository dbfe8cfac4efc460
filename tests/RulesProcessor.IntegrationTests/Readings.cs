using Pipeline.Contracts;

namespace Pipeline.RulesProcessor.IntegrationTests;

internal static class Readings
{
    /// <summary>A minute boundary a few minutes ago: device times near the receive time, as a live device sends.</summary>
    public static long RecentMinute() => (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 60_000 - 5) * 60_000;

    public static TelemetryRecord Of(string deviceId, long deviceTsMs, ulong? seq, params (string Name, double Value)[] metrics)
    {
        var record = new TelemetryRecord
        {
            DeviceId = deviceId, DeviceTsMs = deviceTsMs, ReceivedTsMs = deviceTsMs,
            Topic = $"devices/{deviceId}/telemetry", BridgeInstance = "it",
        };
        if (seq is { } s)
            record.Seq = s;
        foreach (var (name, value) in metrics)
            record.Metrics[name] = value;
        return record;
    }
}
