namespace Pipeline.RulesProcessor.Modules.Validate;

/// <summary>Rules of the validate module. Section "Rules:Validate".</summary>
public sealed class ValidateOptions
{
    public const string SectionName = "Rules:Validate";

    /// <summary>A record with more metrics than this is rejected (TOO_MANY_METRICS).</summary>
    public int MaxMetrics { get; set; } = 100;

    /// <summary>Longest metric name accepted (INVALID_METRIC_NAME beyond).</summary>
    public int MaxMetricNameLength { get; set; } = 64;

    /// <summary>How far the device time may be ahead of the bridge's receive time (TIMESTAMP_OUT_OF_RANGE beyond).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far the device time may be behind the bridge's receive time (buffered readings of an offline device).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Allowed range per metric name (VALIDATION_FAILED outside), e.g. <c>"temperature": {"Min": -50, "Max": 150}</c>.</summary>
    public Dictionary<string, MetricRange> Ranges { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Metrics every record of a device model must carry, by model, e.g. <c>"th-100": ["temperature"]</c>.</summary>
    public Dictionary<string, string[]> RequiredMetrics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The registry attribute that names a device's model.</summary>
    public string ModelAttribute { get; set; } = "model";
}

public sealed class MetricRange
{
    public double Min { get; set; } = double.MinValue;

    public double Max { get; set; } = double.MaxValue;
}
