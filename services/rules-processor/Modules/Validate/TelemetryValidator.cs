using Pipeline.Contracts;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.Modules.Validate;

/// <summary>The validate module's checks on one record; the first failure decides the reason.</summary>
public sealed class TelemetryValidator(ValidateOptions options)
{
    /// <summary>Null when the record passes, else the reason and a detail naming the offending metric or value.</summary>
    public (Reason Reason, string Detail)? Check(TelemetryRecord record, string? model)
    {
        var metrics = record.Metrics;
        // Count first: a huge map is refused before any per-metric work.
        if (metrics.Count > options.MaxMetrics)
            return (Reason.TooManyMetrics, $"{metrics.Count} metrics, more than the {options.MaxMetrics} allowed");
        if (metrics.Count == 0)
            return (Reason.ValidationFailed, "record has no metrics");
        foreach (var (name, value) in metrics)
        {
            if (!MetricNames.IsValid(name, options.MaxMetricNameLength))
                return (Reason.InvalidMetricName, $"metric name '{Truncate(name)}' is not {MetricNames.Rule}, at most {options.MaxMetricNameLength} characters");
            if (!double.IsFinite(value))
                return (Reason.NonFiniteValue, $"metric '{name}' is {value}");
        }
        if (CheckTimestamp(record) is { } timeProblem)
            return (Reason.TimestampOutOfRange, timeProblem);
        foreach (var (name, value) in metrics)
            if (options.Ranges.TryGetValue(name, out var range) && (value < range.Min || value > range.Max))
                return (Reason.ValidationFailed, $"metric '{name}' = {value} is outside {range.Min}..{range.Max}");
        if (model is not null && options.RequiredMetrics.TryGetValue(model, out var required))
            foreach (var name in required)
                if (!metrics.ContainsKey(name))
                    return (Reason.ValidationFailed, $"model '{model}' requires metric '{name}'");
        return null;
    }

    private string? CheckTimestamp(TelemetryRecord record)
    {
        // The bridge's receive time is the reference, not this machine's clock: a replayed backlog stays valid.
        var reference = record.ReceivedTsMs > 0 ? record.ReceivedTsMs : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var aheadMs = record.DeviceTsMs - reference;
        if (aheadMs > options.MaxFutureSkew.TotalMilliseconds)
            return $"device time {Format(record.DeviceTsMs)} is {TimeSpan.FromMilliseconds(aheadMs)} ahead of receive time {Format(reference)} (max {options.MaxFutureSkew})";
        if (-aheadMs > options.MaxAge.TotalMilliseconds)
            return $"device time {Format(record.DeviceTsMs)} is {TimeSpan.FromMilliseconds(-aheadMs)} behind receive time {Format(reference)} (max {options.MaxAge})";
        return null;
    }

    private static string Format(long ms) =>
        ms is >= -62135596800000 and <= 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O") : $"{ms} ms";

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..80] + "...";
}
