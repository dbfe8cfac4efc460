using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.SinkWriter.Observability;

namespace Pipeline.SinkWriter.Consuming;

/// <summary>One destination's consumer loop as a hosted service; the blocking loop runs on a thread of its own.</summary>
internal sealed class SinkConsumerService(SinkDestination destination, SinkLoopFactory factory, SinkHealth health, ILogger<SinkConsumerService> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() =>
        {
            using var loop = factory.Create(destination);
            health.Started(destination.Name, loop.State);
            try
            {
                loop.Run(stoppingToken);
                health.Stopped(destination.Name);
            }
            catch (Exception e)
            {
                health.Failed(destination.Name, e);
                logger.LogCritical(e, "The {Destination} consumer stopped: {Message}", destination.Name, e.Message);
                // The host stops (BackgroundServiceExceptionBehavior.StopHost); a supervisor must see a failure, not a clean exit.
                Environment.ExitCode = 1;
                throw;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
