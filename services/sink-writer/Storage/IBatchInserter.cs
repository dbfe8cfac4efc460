namespace Pipeline.SinkWriter.Storage;

/// <summary>Writes one batch's rows with its deduplication token; returns the rows ClickHouse refused (the others are written).</summary>
internal interface IBatchInserter
{
    /// <summary>The metrics label and log name of what is written.</summary>
    string Table { get; }

    IReadOnlyList<string> Columns { get; }

    Task<List<RefusedRow>> InsertAsync(IReadOnlyList<object[]> rows, string batchToken, CancellationToken cancellationToken);
}
