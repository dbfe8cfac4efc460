using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Cli;

/// <summary>
/// Kafka clients for the CLI's one-shot commands. librdkafka's warnings and errors (a broker that refuses the
/// login, a TLS handshake that fails) go to stderr, so that a command that cannot reach Kafka says why instead of
/// timing out in silence, and stdout stays clean for --json output.
/// </summary>
public static class CliKafka
{
    private static readonly Lazy<ILoggerFactory> Loggers = new(CreateLoggers);

    public static KafkaClientFactory Factory(KafkaOptions options, string commandName) => new(options, commandName, Loggers.Value);

    private static ILoggerFactory CreateLoggers()
    {
        var loggers = LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        // The console logger writes from a background queue: flush it before the process ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => loggers.Dispose();
        return loggers;
    }
}
