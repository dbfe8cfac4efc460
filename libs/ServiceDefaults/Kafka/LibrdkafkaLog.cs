using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// librdkafka's own log lines (connection failures, authentication and TLS errors, rebalances) into the service's
/// ILogger. Without a handler Confluent.Kafka writes them to stderr, and a handler that drops them (as six clients
/// once did) hides exactly the line that says why a broker refused us.
/// </summary>
public static class LibrdkafkaLog
{
    /// <summary>The logger category every client's librdkafka lines are written under.</summary>
    public const string Category = "Pipeline.Kafka.librdkafka";

    /// <summary>Syslog severities (librdkafka's) to .NET levels: notice and info are both routine information.</summary>
    public static LogLevel ToLogLevel(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    /// <summary>
    /// The level a line is logged at. librdkafka reports a broker it cannot reach (refused, reset, timed out, all
    /// brokers down) at error level although it reconnects by itself: during an outage that is one "error" per
    /// client every few seconds for a condition the health check already reports, which buries real errors and
    /// pages people. Those are warnings here; refusals of our credentials or TLS stay errors.
    /// </summary>
    public static LogLevel ToLogLevel(LogMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var level = ToLogLevel(message.Level);
        return level == LogLevel.Error && IsTransientConnectivity(message.Message) ? LogLevel.Warning : level;
    }

    private static readonly string[] TransientSigns =
        ["Connection refused", "brokers are down", "Disconnected", "Connection reset", "timed out", "Connect to ", "Receive failed", "Send failed"];

    private static readonly string[] RefusalSigns = ["authentication", "SASL", "SSL", "certificate", "Authorization"];

    private static bool IsTransientConnectivity(string text) =>
        TransientSigns.Any(s => text.Contains(s, StringComparison.OrdinalIgnoreCase))
        && !RefusalSigns.Any(s => text.Contains(s, StringComparison.OrdinalIgnoreCase));

    public static void Write(ILogger logger, LogMessage message)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var level = ToLogLevel(message);
        if (logger.IsEnabled(level))
            logger.Log(level, "{KafkaClient} [{Facility}] {Message}", message.Name, message.Facility, message.Message);
    }
}
