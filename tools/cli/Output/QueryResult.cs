using System.Data.Common;

namespace Pipeline.Cli.Output;

/// <summary>A query's column names and rows, read fully (CLI results are for people, not bulk export).</summary>
public sealed record QueryResult(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows)
{
    public static async Task<QueryResult> ReadAsync(DbDataReader reader, CancellationToken ct)
    {
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new object?[columns.Count];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return new QueryResult(columns, rows);
    }
}
