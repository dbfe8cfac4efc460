using Microsoft.Extensions.Logging;

namespace Pipeline.Cli;

public static class CliLogging
{
    public static ILoggerFactory Create() => LoggerFactory.Create(b => b
        .SetMinimumLevel(LogLevel.Information)
        .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
        .AddFilter("Microsoft.Hosting", LogLevel.Warning)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        }));
}
