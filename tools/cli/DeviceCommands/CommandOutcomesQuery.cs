using System.Text.RegularExpressions;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;

namespace Pipeline.Cli.DeviceCommands;

/// <summary>One outcome of a command as the bridge recorded it (iot.events, source bridge.commands).</summary>
public sealed record CommandOutcomeRow(DateTime At, string DeviceId, string Outcome, string Detail, string Instance);

/// <summary>
/// Reads a command's outcomes from ClickHouse as the analyst: every bridge instance writes them to iot.events.raw,
/// so this is the history across instances (the bridge's GET /commands/&lt;id&gt; knows only its own recent ones).
/// </summary>
public static partial class CommandOutcomesQuery
{
    public static async Task<IReadOnlyList<CommandOutcomeRow>> ReadAsync(string connectionString, string commandId, CancellationToken ct)
    {
        // Ids are ours (32 hex digits) or an application's; anything else cannot match and must not reach the SQL.
        if (!ValidCommandId().IsMatch(commandId))
            throw new CliException($"'{commandId}' is not a command id (1-128 characters of A-Z a-z 0-9 _ . : -).");
        await using var connection = new ClickHouseConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT received_at, device_id, JSONExtractString(body, 'outcome'), JSONExtractString(body, 'detail'),
                   JSONExtractString(body, 'bridgeInstance')
            FROM iot.events
            WHERE source = 'bridge.commands' AND JSONExtractString(body, 'commandId') = '{commandId}'
            ORDER BY received_at, indexOf(['accepted', 'unknown_device', 'offline', 'sent', 'expired', 'delivered'], JSONExtractString(body, 'outcome'))
            """;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<CommandOutcomeRow>();
        while (await reader.ReadAsync(ct))
            rows.Add(new CommandOutcomeRow(reader.GetDateTime(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        return rows;
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,128}$")]
    private static partial Regex ValidCommandId();
}
