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

    /// <summary>
    /// With more than one bridge instance live: how long after a command was written the instances decide who acts on
    /// it, each with every iot.presence record of an event before the command read by then, so that all of them name
    /// the same instance (one set of outcomes, also for a device that connected or was taken over a moment before).
    /// The longest a bridge takes to write a presence record; a slower write can still give two outcomes or none.
    /// Commands take this much longer to reach devices when several instances run; one instance alone decides at
    /// once. Zero turns the wait off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10", ErrorMessage = "Commands:PresenceSettle must be between 0 and 10 s.")]
    public TimeSpan PresenceSettle { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Outcomes of recent commands this instance keeps for GET /commands/&lt;id&gt; (the oldest are forgotten first).</summary>
    [Range(100, 10_000_000, ErrorMessage = "Commands:RecentOutcomes must be between 100 and 10000000.")]
    public int RecentOutcomes { get; set; } = 10_000;
}
