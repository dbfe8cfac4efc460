using System.Diagnostics;
using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults;

namespace Pipeline.WebConsole.Data;

/// <summary>A query's result: column names and types, rows as invariant text, how long it took and how many rows ClickHouse read.</summary>
public sealed record QueryResult(IReadOnlyList<string> Columns, IReadOnlyList<string> Types, IReadOnlyList<string[]> Rows, bool Truncated, TimeSpan Elapsed, long? RowsRead)
{
    /// <summary>A time series: the first column a date/time, at least one more column, all others numeric.</summary>
    public bool IsTimeSeries => Columns.Count >= 2 && Types[0].Contains("Date", StringComparison.Ordinal)
        && Types.Skip(1).All(t => NumericTypes.Any(n => t.Contains(n, StringComparison.Ordinal)));

    private static readonly string[] NumericTypes = ["Int", "Float", "Decimal"];
}

/// <summary>
/// Runs an operator's SQL as the console's ClickHouse user (under `up`: the read-only analyst, so the
/// server refuses writes and DDL itself); at most <see cref="MaxRows"/> rows are kept for the page.
/// </summary>
public sealed class QueryRunner(IOptions<ClickHouseOptions> options)
{
    public const int MaxRows = 10_000;

    public async Task<QueryResult> RunAsync(string sql, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = new ClickHouseConnection(options.Value.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        var types = Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName).ToList();
        var rows = new List<string[]>();
        var truncated = false;
        while (await reader.ReadAsync(ct))
        {
            if (rows.Count == MaxRows)
            {
                truncated = true;
                break;
            }
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = Text(reader.GetValue(i));
            rows.Add(row);
        }
        return new QueryResult(columns, types, rows, truncated, watch.Elapsed, (long?)command.QueryStats?.ReadRows);
    }

    private static string Text(object? value) => value switch
    {
        null or DBNull => "",
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static bool IsServerError(Exception e) => e is ClickHouseServerException or HttpRequestException;
}
