using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pipeline.WebConsole.Data;

namespace Pipeline.WebConsole.Pages;

/// <summary>
/// SQL against ClickHouse as the console's (read-only analyst) user: a table, a chart when the result is a time
/// series, CSV download, the query's time and rows read. The SQL is posted, never put in a URL.
/// </summary>
public sealed class QueryModel(QueryRunner runner, ILogger<QueryModel> logger) : PageModel
{
    [BindProperty] public string Sql { get; set; } = "SELECT toStartOfMinute(ts) AS minute, avg(value) AS avg_value\nFROM iot.telemetry\nWHERE ts > now() - INTERVAL 1 HOUR\nGROUP BY minute ORDER BY minute";

    public QueryResult? Result { get; private set; }
    public string? Error { get; private set; }

    /// <summary>The chart's data for a time series result, as JSON in a data attribute (Razor encodes it; the script parses it).</summary>
    public string SeriesJson => Result is null ? "{}" : JsonSerializer.Serialize(new
    {
        labels = Result.Rows.Select(r => r[0]),
        series = Result.Columns.Skip(1).Select((name, i) => new
        {
            name,
            values = Result.Rows.Select(r => double.TryParse(r[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null),
        }),
    });

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostRunAsync(CancellationToken ct)
    {
        await RunAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCsvAsync(CancellationToken ct)
    {
        await RunAsync(ct);
        if (Result is null)
            return Page();
        var csv = new StringBuilder();
        csv.AppendJoin(',', Result.Columns.Select(Csv)).Append("\r\n");
        foreach (var row in Result.Rows)
            csv.AppendJoin(',', row.Select(Csv)).Append("\r\n");
        return File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", "query.csv");
    }

    private async Task RunAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Sql))
        {
            Error = "Enter a query.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        try
        {
            Result = await runner.RunAsync(Sql, ct);
        }
        catch (Exception e) when (QueryRunner.IsServerError(e))
        {
            // As ClickHouse reports it: "Code: 60. DB::Exception: Unknown table ..."
            logger.LogInformation("Console query refused by ClickHouse: {Reason}", e.Message);
            Error = e.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
    }

    /// <summary>RFC 4180: quoted when it holds a comma, quote or line break; a leading = + - @ is prefixed so a spreadsheet does not run it as a formula.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0]) && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
