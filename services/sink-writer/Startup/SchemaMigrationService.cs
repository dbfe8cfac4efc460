using ClickHouse.Driver;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.ClickHouseSchema;
using Pipeline.ServiceDefaults;

namespace Pipeline.SinkWriter.Startup;

/// <summary>
/// Before any consumer starts (it is registered first): applies the ClickHouse migrations when
/// SinkWriter:MigrateOnStart is set, else only checks that ClickHouse accepts the configured user.
/// A database whose schema is newer than this build, or credentials ClickHouse refuses, stop the
/// process with a message saying so; an unreachable ClickHouse is waited for (the sink can do
/// nothing without it).
/// </summary>
internal sealed class SchemaMigrationService(
    IClickHouseClient client,
    IOptions<ClickHouseOptions> clickHouse,
    IOptions<SinkWriterOptions> options,
    ILogger<SchemaMigrationService> logger) : IHostedService
{
    // ClickHouse error codes that say who connected is the problem, not the network.
    private const int UnknownUser = 192, WrongPassword = 193, RequiredPassword = 194, AccessDenied = 497, AuthenticationFailed = 516, Readonly = 164;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var migrator = new ClickHouseMigrator(client, clickHouse.Value.Database);
        var delay = options.Value.RetryBaseDelay;
        while (true)
        {
            try
            {
                if (options.Value.MigrateOnStart)
                    logger.LogInformation("{Report}", (await migrator.MigrateAsync(cancellationToken)).ToString());
                else
                    await client.ExecuteScalarAsync("SELECT 1", cancellationToken: cancellationToken);
                return;
            }
            catch (SchemaTooNewException e)
            {
                logger.LogCritical("Refusing to start: {Message}", e.Message);
                throw;
            }
            catch (ClickHouseServerException e) when (e.ErrorCode is UnknownUser or WrongPassword or RequiredPassword or AuthenticationFailed)
            {
                throw Refuse(e, $"ClickHouse at {clickHouse.Value.Url} refused the user '{clickHouse.Value.User}': " +
                    "check ClickHouse:User and ClickHouse:Password (PIPELINE__ClickHouse__User / PIPELINE__ClickHouse__Password)");
            }
            catch (ClickHouseServerException e) when (options.Value.MigrateOnStart && e.ErrorCode is AccessDenied or Readonly)
            {
                throw Refuse(e, $"the ClickHouse user '{clickHouse.Value.User}' may not change the schema, and SinkWriter:MigrateOnStart is set: " +
                    "run the migrations as the migrator user (./pipeline migrate) and set SinkWriter:MigrateOnStart=false, or give ClickHouse:User DDL rights");
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("ClickHouse at {Url} is not reachable ({Message}); retrying in {Delay:0.0} s",
                    clickHouse.Value.Url, e.Message, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.RetryMaxDelay.Ticks));
            }
        }
    }

    private ClickHouseAccessException Refuse(ClickHouseServerException e, string message)
    {
        // ClickHouse's own first line names the user, never the password.
        var detail = e.Message.Split('\n', 2)[0].Trim();
        logger.LogCritical("Refusing to start: {Message} ({Detail})", message, detail);
        return new ClickHouseAccessException($"{message} ({detail})", e);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
