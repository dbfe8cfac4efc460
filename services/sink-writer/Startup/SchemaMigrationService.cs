using ClickHouse.Driver;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.ClickHouseSchema;
using Pipeline.ServiceDefaults;

namespace Pipeline.SinkWriter.Startup;

/// <summary>
/// Applies the ClickHouse migrations before any consumer starts (it is registered first). A database whose
/// schema is newer than this build stops the process with a message saying so; an unreachable ClickHouse is
/// waited for (the sink can do nothing without it).
/// </summary>
internal sealed class SchemaMigrationService(
    IClickHouseClient client,
    IOptions<ClickHouseOptions> clickHouse,
    IOptions<SinkWriterOptions> options,
    ILogger<SchemaMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStart)
            return;
        using var migrator = new ClickHouseMigrator(client, clickHouse.Value.Database);
        var delay = options.Value.RetryBaseDelay;
        while (true)
        {
            try
            {
                var report = await migrator.MigrateAsync(cancellationToken);
                logger.LogInformation("{Report}", report.ToString());
                return;
            }
            catch (SchemaTooNewException e)
            {
                logger.LogCritical("Refusing to start: {Message}", e.Message);
                throw;
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("ClickHouse at {Url} is not reachable for migrations ({Message}); retrying in {Delay:0.0} s",
                    clickHouse.Value.Url, e.Message, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.RetryMaxDelay.Ticks));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
