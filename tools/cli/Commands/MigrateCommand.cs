using System.CommandLine;
using ClickHouse.Driver;
using Pipeline.ClickHouseSchema;
using Pipeline.EmbeddedStack.ClickHouse;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline migrate`: applies pending ClickHouse schema migrations as the migrator user (`up` also does
/// at start; the sink does when SinkWriter:MigrateOnStart is set).
/// </summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply pending ClickHouse schema migrations to the running pipeline's ClickHouse (or PIPELINE__ClickHouse__Url).");
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            var options = CliConfiguration.ClickHouse(CliConfiguration.Load(), ClickHouseRole.Migrator)
                ?? throw new CliException("No pipeline is running (no live .pipeline/endpoints.json) and PIPELINE__ClickHouse__Url is not set. Start one with ./pipeline up or ./pipeline devstack.");
            try
            {
                using var migrator = new ClickHouseMigrator(options.ConnectionString, options.Database);
                var report = await migrator.MigrateAsync(ct);
                Console.WriteLine(report.ToString());
                return 0;
            }
            catch (SchemaTooNewException e)
            {
                throw new CliException(e.Message);
            }
            catch (ClickHouseServerException e)
            {
                throw new CliException($"ClickHouse refused the migration as user '{options.User}' (ClickHouse:User, ClickHouse:Password): {e.Message.Split('\n', 2)[0]}");
            }
        }));
        return command;
    }
}
