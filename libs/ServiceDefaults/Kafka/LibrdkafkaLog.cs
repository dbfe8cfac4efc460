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

    public static void Write(ILogger logger, LogMessage message)
    {
        var level = ToLogLevel(message.Level);
        if (logger.IsEnabled(level))
            logger.Log(level, "{KafkaClient} [{Facility}] {Message}", message.Name, message.Facility, message.Message);
    }
}
