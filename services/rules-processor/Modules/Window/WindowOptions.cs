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
    /// A device that sent nothing for this long (on the partition's clock: receive time while records arrive, the
    /// processor's wall clock while none do) has all its open windows emitted, whatever its own clock says.
    /// At least Size + Grace.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
