using System.ComponentModel.DataAnnotations;

namespace Pipeline.MqttBridge.Options;

/// <summary>Commands from applications (iot.commands, POST /commands/&lt;id&gt;). Section "Commands".</summary>
public sealed class CommandsOptions
{
    public const string SectionName = "Commands";

    /// <summary>
    /// How long a command without its own expiry stays deliverable after it was created. An older one is recorded
    /// as "expired" and never sent, so a device that comes back hours later does not act on stale orders.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Commands:DefaultExpiry must be between 1 s and 7 days.")]
    public TimeSpan DefaultExpiry { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Outcomes of recent commands this instance keeps for GET /commands/&lt;id&gt; (the oldest are forgotten first).</summary>
    [Range(100, 10_000_000, ErrorMessage = "Commands:RecentOutcomes must be between 100 and 10000000.")]
    public int RecentOutcomes { get; set; } = 10_000;
}
