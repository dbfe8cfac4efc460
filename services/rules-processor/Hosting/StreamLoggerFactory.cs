using Microsoft.Extensions.Logging.Abstractions;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>
/// The logger factory handed to Streamiz. Streamiz keeps the last one it was given in a static and uses it
/// when the next StreamConfig is constructed, so after a host is disposed (a restart inside one process, as
/// in tests) it would call a disposed factory. This one outlives its host: it never disposes the inner
/// factory and falls back to a null logger once that is gone.
/// </summary>
internal sealed class StreamLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName)
    {
        try
        {
            return inner.CreateLogger(categoryName);
        }
        catch (ObjectDisposedException)
        {
            return NullLogger.Instance;
        }
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The host owns the inner factory.
    }
}
