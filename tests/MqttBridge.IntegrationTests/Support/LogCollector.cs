using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pipeline.MqttBridge.IntegrationTests.Support;

/// <summary>Keeps every Error/Critical log line of a bridge so a test can fail when the bridge logged one.</summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();

    public IReadOnlyCollection<string> Errors => _errors.ToArray();

    public ILogger CreateLogger(string categoryName) => new Collector(categoryName, _errors);

    public void Dispose()
    {
    }

    private sealed class Collector(string category, ConcurrentQueue<string> errors) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // An unhealthy check while the bridge starts is logged as an error by ASP.NET Core; it is expected here.
            if (logLevel >= LogLevel.Error && !category.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal))
                errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
