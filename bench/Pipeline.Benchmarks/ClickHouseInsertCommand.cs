using Pipeline.EmbeddedStack.ClickHouse;
using System.CommandLine;

namespace Pipeline.Benchmarks;

/// <summary>`clickhouse-insert [--rows N] [--batch B] [--rounds R]`: see <see cref="ClickHouseInsertBenchmark"/>.</summary>
internal static class ClickHouseInsertCommand
{
    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Rows each path inserts per round.", DefaultValueFactory = _ => 200_000 };
        var batch = new Option<int>("--batch") { Description = "Rows per insert (one HTTP request / one INSERT).", DefaultValueFactory = _ => 50_000 };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds; the paths alternate within each.", DefaultValueFactory = _ => 5 };
        var compression = new Option<string>("--compression")
        {
            Description = "How the driver compresses insert bodies: zstd (the driver's default), lz4, gzip or none.",
            DefaultValueFactory = _ => "zstd",
        };
        compression.AcceptOnlyFromAmong("zstd", "lz4", "gzip", "none");
        var library = new Option<string?>("--chdb-library") { Description = "libchdb.so (default: PIPELINE_CHDB_LIBRARY, else .pipeline/engines/chdb/... above the current folder)." };
        foreach (var option in new[] { rows, batch, rounds })
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() <= 0)
                    result.AddError($"{result.Option.Name} must be a positive number.");
            });

        var command = new Command("clickhouse-insert",
            "Rows/s inserting telemetry rows through ClickHouse.Driver -> the embedded HTTP endpoint -> chDB, " +
            "against chDB's own INSERT ... FROM INFILE (RowBinary) of the same rows, alternating in one process.")
        {
            rows, batch, rounds, compression, library,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var benchmark = new ClickHouseInsertBenchmark(
                    parse.GetValue(rows), parse.GetValue(batch), parse.GetValue(rounds), parse.GetValue(compression)!, ChdbLibrary.Find(parse.GetValue(library)));
                return await benchmark.RunAsync(ct);
            }
            catch (FileNotFoundException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }
}
