using System.Text;
using ClickHouse.Driver;
using Pipeline.SinkWriter.Batching;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.Storage;

/// <summary>
/// Inserts a batch of rules' clickhouse-action rows: one <c>INSERT INTO db.table ... FORMAT JSONEachRow</c> per target
/// table, each with a deduplication token made of the batch's token and the table (as repeatable as the batch's), so a
/// replayed batch is stored once. A refused insert is split in halves, like <see cref="BatchInserter"/>, until the
/// refused rows stand alone; an unknown table, column or a missing grant is the rule's problem here (a refusal that
/// goes to iot.rejected as RULE_ACTION_FAILED), not the sink's, so it does not hold the partition.
/// </summary>
internal sealed class RuleRowInserter(IClickHouseClient client, IReadOnlyList<string> columns, InsertRetry retry) : IBatchInserter
{
    // The sink's own credentials: retried (the sink is misconfigured), unlike the rule's table or grants.
    private static readonly HashSet<int> SinkCredentialCodes = [192, 193, 516];

    public string Table => "rule_rows";

    public IReadOnlyList<string> Columns { get; } = columns;

    public static InsertFailureKind Classify(Exception failure)
    {
        var kind = InsertFailure.Classify(failure);
        return kind == InsertFailureKind.Environment && !(failure is ClickHouseServerException e && SinkCredentialCodes.Contains(e.ErrorCode))
            ? InsertFailureKind.Refused
            : kind;
    }

    public async Task<List<RefusedRow>> InsertAsync(IReadOnlyList<object[]> rows, string batchToken, CancellationToken cancellationToken)
    {
        var refused = new List<RefusedRow>();
        var byTable = Enumerable.Range(0, rows.Count).GroupBy(i => (string)rows[i][RuleRowConverter.TableColumn], StringComparer.Ordinal);
        foreach (var group in byTable)
        {
            var indices = group.ToList();
            await InsertRangeAsync(rows, indices, 0, indices.Count, $"{batchToken}>{group.Key}", refused, cancellationToken).ConfigureAwait(false);
        }
        refused.Sort((a, b) => a.Row.CompareTo(b.Row));
        return refused;
    }

    private async Task InsertRangeAsync(IReadOnlyList<object[]> rows, List<int> indices, int first, int count, string tableToken,
        List<RefusedRow> refused, CancellationToken cancellationToken)
    {
        if (count == 0)
            return;
        var token = DeduplicationToken.ForRows(tableToken, first, count, indices.Count);
        var refusal = await retry.RunAsync(ct => InsertOnceAsync(rows, indices, first, count, token, ct), cancellationToken).ConfigureAwait(false);
        if (refusal is null)
            return;
        if (count == 1)
        {
            var row = rows[indices[first]];
            refused.Add(new RefusedRow(indices[first], RuleRowConverter.Describe(row, InsertFailure.Describe(refusal))));
            return;
        }
        var half = count / 2;
        await InsertRangeAsync(rows, indices, first, half, tableToken, refused, cancellationToken).ConfigureAwait(false);
        await InsertRangeAsync(rows, indices, first + half, count - half, tableToken, refused, cancellationToken).ConfigureAwait(false);
    }

    private Task InsertOnceAsync(IReadOnlyList<object[]> rows, List<int> indices, int first, int count, string token, CancellationToken cancellationToken)
    {
        var table = (string)rows[indices[first]][RuleRowConverter.TableColumn]; // checked as db.table by the converter
        var sql = new StringBuilder()
            .Append("INSERT INTO ").Append(table)
            .Append(" SETTINGS insert_deduplicate = 1, insert_deduplication_token = '").Append(token.Replace("'", "", StringComparison.Ordinal))
            .Append("' FORMAT JSONEachRow\n");
        for (var i = first; i < first + count; i++)
            sql.Append((string)rows[indices[i]][RuleRowConverter.RowColumn]).Append('\n');
        return client.ExecuteNonQueryAsync(sql.ToString(), cancellationToken: cancellationToken);
    }
}
