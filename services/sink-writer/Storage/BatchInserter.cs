using ClickHouse.Driver;
using Pipeline.SinkWriter.Batching;

namespace Pipeline.SinkWriter.Storage;

/// <summary>
/// Writes a batch's rows to one table with its deduplication token. When ClickHouse refuses the data, the
/// batch is split in halves (each half with its own repeatable token) until the refused rows stand alone;
/// those are returned for iot.rejected and every other row is written.
/// </summary>
internal sealed class BatchInserter(IClickHouseClient client, string table, IReadOnlyList<string> columns, InsertRetry retry) : IBatchInserter
{
    private readonly string[] _columns = [.. columns];

    public string Table => table;

    public IReadOnlyList<string> Columns => _columns;

    public async Task<List<RefusedRow>> InsertAsync(IReadOnlyList<object[]> rows, string batchToken, CancellationToken cancellationToken)
    {
        var refused = new List<RefusedRow>();
        await InsertRangeAsync(rows, 0, rows.Count, batchToken, refused, cancellationToken).ConfigureAwait(false);
        return refused;
    }

    private async Task InsertRangeAsync(IReadOnlyList<object[]> rows, int first, int count, string batchToken, List<RefusedRow> refused, CancellationToken cancellationToken)
    {
        if (count == 0)
            return;
        var token = DeduplicationToken.ForRows(batchToken, first, count, rows.Count);
        var refusal = await retry.RunAsync(ct => InsertOnceAsync(rows, first, count, token, ct), cancellationToken).ConfigureAwait(false);
        if (refusal is null)
            return;
        if (count == 1)
        {
            refused.Add(new RefusedRow(first, InsertFailure.Describe(refusal)));
            return;
        }
        var half = count / 2;
        await InsertRangeAsync(rows, first, half, batchToken, refused, cancellationToken).ConfigureAwait(false);
        await InsertRangeAsync(rows, first + half, count - half, batchToken, refused, cancellationToken).ConfigureAwait(false);
    }

    private Task InsertOnceAsync(IReadOnlyList<object[]> rows, int first, int count, string token, CancellationToken cancellationToken)
    {
        var options = new InsertOptions
        {
            // The whole range in one request: one insert, one token, all or nothing.
            BatchSize = count,
            MaxDegreeOfParallelism = 1,
            UseSchemaCache = true,
            CustomSettings = new Dictionary<string, object>
            {
                ["insert_deduplicate"] = 1,
                ["insert_deduplication_token"] = token,
            },
        };
        // The whole batch as it is (no iterator over it); a slice only while refused rows are being split off.
        var range = first == 0 && count == rows.Count ? rows : Slice(rows, first, count);
        return client.InsertBinaryAsync(table, _columns, range, options, cancellationToken);
    }

    private static IEnumerable<object[]> Slice(IReadOnlyList<object[]> rows, int first, int count)
    {
        for (var i = first; i < first + count; i++)
            yield return rows[i];
    }
}
