using ClickHouse.Driver.ADO;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults;

namespace Pipeline.WebConsole.Data;

/// <summary>
/// ClickHouse as the console's user (under `up`: the read-only analyst of credentials.json). Device ids and other
/// values go in as query parameters, never into the SQL text.
/// </summary>
public sealed class AnalystConnection(IOptions<ClickHouseOptions> options)
{
    public ClickHouseOptions Options => options.Value;

    public async Task<List<T>> ReadAsync<T>(string sql, IReadOnlyDictionary<string, object> parameters, Func<System.Data.Common.DbDataReader, T> row, CancellationToken ct)
    {
        await using var connection = new ClickHouseConnection(options.Value.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.AddParameter(name, value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
            rows.Add(row(reader));
        return rows;
    }
}
