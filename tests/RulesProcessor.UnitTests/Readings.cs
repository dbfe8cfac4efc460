using Pipeline.Contracts;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>Telemetry records as the bridge writes them.</summary>
public static class Readings
{
    /// <summary>2026-01-01T00:00:00Z: a fixed, minute-aligned device time for tests.</summary>
    public static readonly long T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z").ToUnixTimeMilliseconds();

    public static TelemetryRecord Of(string deviceId, long deviceTsMs, ulong? seq = null, params (string Name, double Value)[] metrics)
    {
        var record = new TelemetryRecord
        {
            DeviceId = deviceId,
            DeviceTsMs = deviceTsMs,
            ReceivedTsMs = deviceTsMs,
            Topic = $"devices/{deviceId}/telemetry",
            BridgeInstance = "bridge-test",
        };
        if (seq is { } s)
            record.Seq = s;
        foreach (var (name, value) in metrics.Length == 0 ? [("temperature", 21.5)] : metrics)
            record.Metrics[name] = value;
        return record;
    }

    public static TelemetryRecord ReceivedAt(this TelemetryRecord record, long receivedTsMs)
    {
        record.ReceivedTsMs = receivedTsMs;
        return record;
    }
}
