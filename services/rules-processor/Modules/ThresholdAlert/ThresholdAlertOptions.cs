namespace Pipeline.RulesProcessor.Modules.ThresholdAlert;

/// <summary>Section "Rules:ThresholdAlert".</summary>
public sealed class ThresholdAlertOptions
{
    public const string SectionName = "Rules:ThresholdAlert";

    /// <summary>Each rule raises one alert when a device sends <c>Consecutive</c> readings of <c>Metric</c> above <c>Above</c> in a row.</summary>
    public List<ThresholdRule> Rules { get; set; } = [];
}

public sealed class ThresholdRule
{
    public string Metric { get; set; } = "";

    public double Above { get; set; }

    public int Consecutive { get; set; } = 3;
}
