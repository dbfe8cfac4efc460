using Pipeline.Contracts;
using Pipeline.RulesProcessor.State;

namespace Pipeline.RulesProcessor.Modules.Window;

/// <summary>Pure aggregation over one device's <see cref="DeviceWindows"/> state.</summary>
internal static class OpenWindows
{
    public static long WindowStart(long tsMs, long sizeMs) => Math.DivRem(tsMs, sizeMs) switch
    {
        var (q, r) when r < 0 => (q - 1) * sizeMs,
        var (q, _) => q * sizeMs,
    };

    public static void Add(DeviceWindows state, long windowStartMs, TelemetryRecord record)
    {
        foreach (var (metric, value) in record.Metrics)
        {
            var window = state.Open.FirstOrDefault(w => w.WindowStartMs == windowStartMs && w.Metric == metric);
            if (window is null)
            {
                state.Open.Add(new OpenWindow
                {
                    Metric = metric, WindowStartMs = windowStartMs, Count = 1,
                    Min = value, Max = value, Sum = value, Last = value, LastTsMs = record.DeviceTsMs,
                });
                continue;
            }
            window.Count++;
            window.Min = Math.Min(window.Min, value);
            window.Max = Math.Max(window.Max, value);
            window.Sum += value;
            // "last" is the value with the latest device time; a tie goes to the later arrival.
            if (record.DeviceTsMs >= window.LastTsMs)
            {
                window.Last = value;
                window.LastTsMs = record.DeviceTsMs;
            }
        }
    }

    /// <summary>Removes and returns the windows that end at or before <paramref name="closeAtMs"/>, oldest first.</summary>
    public static List<OpenWindow> TakeClosed(DeviceWindows state, long closeAtMs, long sizeMs)
    {
        var closed = state.Open.Where(w => w.WindowStartMs + sizeMs <= closeAtMs)
            .OrderBy(w => w.WindowStartMs).ThenBy(w => w.Metric, StringComparer.Ordinal).ToList();
        foreach (var w in closed)
            state.Open.Remove(w);
        return closed;
    }

    public static MetricAggregate Aggregate(string deviceId, OpenWindow w, long sizeMs) => new()
    {
        DeviceId = deviceId, Metric = w.Metric,
        WindowStartMs = w.WindowStartMs, WindowEndMs = w.WindowStartMs + sizeMs,
        Count = w.Count, Min = w.Min, Max = w.Max, Sum = w.Sum, Last = w.Last, LastTsMs = w.LastTsMs,
    };
}
