namespace Pipeline.RulesProcessor.Modules.Window;

/// <summary>Section "Rules:Window".</summary>
public sealed class WindowOptions
{
    public const string SectionName = "Rules:Window";

    /// <summary>Tumbling window length, on device time.</summary>
    public TimeSpan Size { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long after a window's end (on the device's own time) records for it are still accepted.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A device that sent nothing for this long (on the bridge's receive time, while other devices of its
    /// partition kept sending) has its open windows emitted, so a device that stops still gets its last minute.
    /// At least Size + Grace.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
