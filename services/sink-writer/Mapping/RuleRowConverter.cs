using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>
/// iot.rule.rows -> the operator's tables: each record is a rules clickhouse action's envelope
/// {"table":"db.table","rule":..,"version":..,"action":n,"deviceId":..,"row":{..}} (written by the rules processor).
/// A row keeps its target table and its JSON; <see cref="Storage.RuleRowInserter"/> inserts them per table.
/// </summary>
internal sealed partial class RuleRowConverter : IRecordConverter
{
    public const int TableColumn = 0;
    public const int RowColumn = 1;
    public const int RuleColumn = 2;
    public const int ActionColumn = 3;

    /// <summary>The metrics label of this destination (the rows go to the tables the rules name).</summary>
    public string Table => "rule_rows";

    public IReadOnlyList<string> Columns { get; } = ["table", "row", "rule", "action", "device_id"];

    public Conversion Convert(byte[]? value, List<object[]> rows)
    {
        try
        {
            using var envelope = JsonDocument.Parse(value ?? []);
            var root = envelope.RootElement;
            var table = root.GetProperty("table").GetString() ?? "";
            var row = root.GetProperty("row");
            var deviceId = root.TryGetProperty("deviceId", out var d) ? d.GetString() ?? "" : "";
            if (!TableName().IsMatch(table) || row.ValueKind != JsonValueKind.Object)
                return Conversion.Rejected(RejectedMessage.Types.Reason.RuleActionFailed,
                    $"clickhouse action row: table '{table}' is not db.table or the row is not a JSON object", deviceId);
            rows.Add([table, row.GetRawText(), root.GetProperty("rule").GetString() ?? "", root.GetProperty("action").GetInt32(), deviceId]);
            return Conversion.Rows(1);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return Conversion.Rejected(RejectedMessage.Types.Reason.Undeserializable, $"not a clickhouse action row envelope: {e.Message}", "");
        }
    }

    /// <summary>What iot.rejected says about a refused row: the rule, the action and ClickHouse's error.</summary>
    public static string Describe(object[] row, string error) =>
        $"rule '{row[RuleColumn]}', action {row[ActionColumn]} clickhouse:{row[TableColumn]}: ClickHouse refused the row: {error}";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex TableName();
}
