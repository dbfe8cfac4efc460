namespace Pipeline.RulesProcessor.Modules.Dedupe;

/// <summary>Section "Rules:Dedupe".</summary>
public sealed class DedupeOptions
{
    public const string SectionName = "Rules:Dedupe";

    /// <summary>How long a (device id, seq) is remembered, on the bridge's receive time.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);
}
