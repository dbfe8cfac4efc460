using System.CommandLine;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Pipeline.Cli.Output;
using Pipeline.EmbeddedStack.ClickHouse;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline query "SQL"`: runs SQL on the pipeline's ClickHouse through ClickHouse.Driver, as the read-only
/// analyst of the running pipeline (or as ClickHouse:User when configured).
/// </summary>
public static class QueryCommand
{
    public static Command Create()
    {
        var sql = new Argument<string>("sql") { Description = "The SQL to run, e.g. \"SELECT count() FROM iot.telemetry\"." };
        var format = new Option<string>("--format")
        {
            Description = "table, csv or json. A query that ends in its own FORMAT clause (FORMAT Vertical, FORMAT JSONEachRow, ...) is printed as ClickHouse sends it instead.",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var command = new Command("query", "Run SQL against ClickHouse (the running pipeline's, or PIPELINE__ClickHouse__Url) and print the result.") { sql, format };
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            var options = CliConfiguration.ClickHouse(CliConfiguration.Load(), ClickHouseRole.Analyst)
                ?? throw new CliException(CliConfiguration.NotRunning);
            await using var connection = new ClickHouseConnection(options.ConnectionString);
            try
            {
                await connection.OpenAsync(ct);
                await using var command = connection.CreateCommand();
                command.CommandText = parse.GetValue(sql)!;
                if (OwnFormat.IsChosenIn(command.CommandText))
                    await PrintAsSentAsync(command, ct);
                else
                    await PrintAsync(command, parse.GetValue(format)!, ct);
                return 0;
            }
            catch (ClickHouseServerException e)
            {
                // As ClickHouse reports it: "Code: 60. DB::Exception: Unknown table ..."
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
            catch (HttpRequestException e)
            {
                throw new CliException($"ClickHouse at {options.Url} is not reachable: {e.Message}");
            }
        }));
        return command;
    }

    private static async Task PrintAsync(ClickHouseCommand command, string format, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        ResultWriter.For(format).Write(await QueryResult.ReadAsync(reader, ct), Console.Out);
    }

    /// <summary>The query chose its output format: its bytes go to stdout untouched (the driver would expect its own binary format).</summary>
    private static async Task PrintAsSentAsync(ClickHouseCommand command, CancellationToken ct)
    {
        using var result = await command.ExecuteRawResultAsync(ct);
        await using var stdout = Console.OpenStandardOutput();
        await result.CopyToAsync(stdout);
    }
}
